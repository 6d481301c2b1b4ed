-- Prototype of the daily rollup proposed in RESULTS.md, to measure what the statistics
-- engine would read with it. Not application code: run by hand against the statistics bench
-- database after bench/stats.py has loaded it, then drop the tables again.
--
--   psql -h 127.0.0.1 -U postgres servicecenter_bench_stats -f bench/rollup_prototype.sql
--
-- bench_daily: one row per (dimension, site, Swedish day, key) with additive measures only;
-- dimension '' is the plain (site, day) row that serves totals and month/week/site/
-- municipality rows; 'service' is keyed by e-service with the visit-level measures counted
-- once per (visit, service), as the engine's representative help items do, and the
-- help-item measures per item; 'resident' is keyed by the visitor's municipality (visits
-- per 1,000 inhabitants). The other dimensions (provider, mode, barrier, age band, gender,
-- channel) follow the same pattern.
-- bench_daily_duration: a histogram (duration_min -> visits) per (dimension, site, day, key)
-- for the exact median, which is not additive.

\timing on
SET jit = off;  -- see RESULTS.md: JIT compilation costs 100-200 ms per statement here

DROP TABLE IF EXISTS bench_daily, bench_daily_duration;

CREATE TABLE bench_daily AS
WITH v AS (
    SELECT v.*, (v.started_at AT TIME ZONE 'Europe/Stockholm')::date AS day FROM visits_visit v
), items AS (
    SELECT visit_id, service_id,
           count(*) AS items,
           count(*) FILTER (WHERE mode_id IN ('guided', 'taught')) AS self_reliant,
           count(*) FILTER (WHERE mode_id = 'on_behalf') AS on_behalf,
           count(*) FILTER (WHERE mode_id = 'referred' OR outcome_id = 'referred') AS referred,
           count(*) FILTER (WHERE outcome_id = 'resolved') AS resolved
    FROM visits_helpitem GROUP BY visit_id, service_id
), per_visit AS (
    SELECT visit_id, sum(items) AS items, sum(self_reliant) AS self_reliant,
           sum(on_behalf) AS on_behalf, sum(referred) AS referred, sum(resolved) AS resolved
    FROM items GROUP BY visit_id
)
SELECT ''::text AS dimension, v.site_id, v.day, ''::text AS key,
       count(*) AS visits, sum(participants) AS participants,
       count(*) FILTER (WHERE first_visit) AS first_visits, count(first_visit) AS first_known,
       count(confidence_after - confidence_before) AS confidence_n,
       sum(confidence_after - confidence_before) AS confidence_sum,
       count(*) FILTER (WHERE age_band_id IN ('65-74', '75+')) AS age_65_plus,
       count(*) FILTER (WHERE age_band_id <> 'unknown') AS age_known,
       sum(p.items) AS help_items, sum(p.self_reliant) AS self_reliant,
       sum(p.on_behalf) AS on_behalf, sum(p.referred) AS referred, sum(p.resolved) AS resolved
FROM v JOIN per_visit p ON p.visit_id = v.id
GROUP BY v.site_id, v.day
UNION ALL
SELECT 'service', v.site_id, v.day, i.service_id,
       count(*), sum(participants),
       count(*) FILTER (WHERE first_visit), count(first_visit),
       count(confidence_after - confidence_before), sum(confidence_after - confidence_before),
       count(*) FILTER (WHERE age_band_id IN ('65-74', '75+')),
       count(*) FILTER (WHERE age_band_id <> 'unknown'),
       sum(i.items), sum(i.self_reliant), sum(i.on_behalf), sum(i.referred), sum(i.resolved)
FROM v JOIN items i ON i.visit_id = v.id
GROUP BY v.site_id, v.day, i.service_id
UNION ALL
SELECT 'resident', v.site_id, v.day, v.visitor_municipality_id::text, count(*), sum(participants),
       0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
FROM v WHERE v.visitor_municipality_id IS NOT NULL
GROUP BY v.site_id, v.day, v.visitor_municipality_id;
ALTER TABLE bench_daily ADD PRIMARY KEY (dimension, site_id, day, key);

CREATE TABLE bench_daily_duration AS
SELECT ''::text AS dimension, site_id, (started_at AT TIME ZONE 'Europe/Stockholm')::date AS day,
       ''::text AS key, duration_min, count(*) AS visits
FROM visits_visit GROUP BY 2, 3, 5
UNION ALL
SELECT 'service', v.site_id, (v.started_at AT TIME ZONE 'Europe/Stockholm')::date, s.service_id,
       v.duration_min, count(*)
FROM visits_visit v JOIN (SELECT DISTINCT visit_id, service_id FROM visits_helpitem) s
     ON s.visit_id = v.id
GROUP BY 2, 3, 4, 5;
ALTER TABLE bench_daily_duration ADD PRIMARY KEY (dimension, site_id, day, key, duration_min);
VACUUM ANALYZE bench_daily;
VACUUM ANALYZE bench_daily_duration;

SELECT dimension, count(*) AS rows FROM bench_daily GROUP BY 1 ORDER BY 1;
SELECT dimension, count(*) AS rows FROM bench_daily_duration GROUP BY 1 ORDER BY 1;

CREATE TEMP TABLE region_sites AS
SELECT s.id FROM organisations_site s
JOIN organisations_municipality m ON m.id = s.municipality_id
JOIN organisations_region r ON r.id = m.region_id WHERE r.code = '24';

\o /dev/null
SELECT count(*) FROM bench_daily;  -- warm the cache
SELECT count(*) FROM bench_daily_duration;
\o
\echo '== group_by=month: every additive indicator, own and foreign visits'
\o /dev/null
SELECT to_char(day, 'YYYY-MM'), sum(visits), sum(participants), sum(first_visits),
       sum(first_known), sum(confidence_sum)::float / nullif(sum(confidence_n), 0),
       sum(age_65_plus), sum(age_known), sum(help_items), sum(self_reliant), sum(on_behalf),
       sum(referred), sum(resolved),
       sum(visits) FILTER (WHERE site_id IN (
           SELECT id FROM organisations_site WHERE organisation_id <> (
               SELECT id FROM organisations_organisation WHERE code = 'bench-stats-region')))
FROM bench_daily
WHERE dimension = '' AND site_id IN (SELECT id FROM region_sites)
  AND day BETWEEN '2025-01-01' AND '2025-12-31'
GROUP BY 1;
\o
\echo '== group_by=month: exact median duration from the histogram'
\o /dev/null
WITH h AS (
    SELECT to_char(day, 'YYYY-MM') AS k, duration_min AS d, sum(visits) AS n
    FROM bench_daily_duration
    WHERE dimension = '' AND site_id IN (SELECT id FROM region_sites)
      AND day BETWEEN '2025-01-01' AND '2025-12-31'
    GROUP BY 1, 2
), c AS (
    SELECT k, d, sum(n) OVER (PARTITION BY k ORDER BY d) AS cum,
           sum(n) OVER (PARTITION BY k) AS total
    FROM h
)  -- percentile_cont(0.5): the values at 0-based ranks floor and ceil of (total - 1) / 2
SELECT k, min(d) FILTER (WHERE cum > floor((total - 1) / 2.0)),
          min(d) FILTER (WHERE cum > ceil((total - 1) / 2.0))
FROM c GROUP BY k;
\o
\echo '== group_by=service: every additive indicator'
\o /dev/null
SELECT key, sum(visits), sum(participants), sum(first_visits), sum(first_known),
       sum(confidence_sum)::float / nullif(sum(confidence_n), 0), sum(age_65_plus),
       sum(age_known), sum(help_items), sum(self_reliant), sum(on_behalf), sum(referred),
       sum(resolved)
FROM bench_daily
WHERE dimension = 'service' AND site_id IN (SELECT id FROM region_sites)
  AND day BETWEEN '2025-01-01' AND '2025-12-31'
GROUP BY 1;
\o
\echo '== group_by=service: exact median duration from the histogram'
\o /dev/null
WITH h AS (
    SELECT key AS k, duration_min AS d, sum(visits) AS n
    FROM bench_daily_duration
    WHERE dimension = 'service' AND site_id IN (SELECT id FROM region_sites)
      AND day BETWEEN '2025-01-01' AND '2025-12-31'
    GROUP BY 1, 2
), c AS (
    SELECT k, d, sum(n) OVER (PARTITION BY k ORDER BY d) AS cum,
           sum(n) OVER (PARTITION BY k) AS total
    FROM h
)
SELECT k, min(d) FILTER (WHERE cum > floor((total - 1) / 2.0)),
          min(d) FILTER (WHERE cum > ceil((total - 1) / 2.0))
FROM c GROUP BY k;
\o
\echo '== visits per 1,000 inhabitants (total of the region)'
\o /dev/null
SELECT sum(d.visits), sum(m.population)
FROM organisations_municipality m
LEFT JOIN (
    SELECT key::bigint AS municipality_id, sum(visits) AS visits FROM bench_daily
    WHERE dimension = 'resident' AND site_id IN (SELECT id FROM region_sites)
      AND day BETWEEN '2025-01-01' AND '2025-12-31'
    GROUP BY 1
) d ON d.municipality_id = m.id
WHERE m.region_id = (SELECT id FROM organisations_region WHERE code = '24');
\o
\echo '== the same histogram per month instead of per day (for whole months of a period)'
CREATE TEMP TABLE monthly_duration AS
SELECT dimension, site_id, date_trunc('month', day)::date AS month, key, duration_min,
       sum(visits) AS visits
FROM bench_daily_duration GROUP BY 1, 2, 3, 4, 5;
CREATE INDEX ON monthly_duration (dimension, site_id, month);
ANALYZE monthly_duration;
SELECT dimension, count(*) AS rows FROM monthly_duration GROUP BY 1 ORDER BY 1;
\echo '== group_by=service: exact median from the monthly histogram'
\o /dev/null
WITH h AS (
    SELECT key AS k, duration_min AS d, sum(visits) AS n
    FROM monthly_duration
    WHERE dimension = 'service' AND site_id IN (SELECT id FROM region_sites)
      AND month BETWEEN '2025-01-01' AND '2025-12-01'
    GROUP BY 1, 2
), c AS (
    SELECT k, d, sum(n) OVER (PARTITION BY k ORDER BY d) AS cum,
           sum(n) OVER (PARTITION BY k) AS total
    FROM h
)
SELECT k, min(d) FILTER (WHERE cum > floor((total - 1) / 2.0)),
          min(d) FILTER (WHERE cum > ceil((total - 1) / 2.0))
FROM c GROUP BY k;
\o

DROP TABLE bench_daily, bench_daily_duration;
