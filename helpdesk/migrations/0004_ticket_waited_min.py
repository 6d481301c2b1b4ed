import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('helpdesk', '0003_queue'),
    ]

    operations = [
        migrations.AddField(
            model_name='queueticket',
            name='waited_min',
            field=models.FloatField(blank=True, editable=False, null=True, verbose_name='waited (min)'),
        ),
        migrations.AddConstraint(
            model_name='queueticket',
            constraint=models.CheckConstraint(condition=models.Q(('waited_min__isnull', True), models.Q(('called_at__isnull', False), ('waited_min__gte', 0)), _connector='OR'), name='ticket_waited_after_call'),
        ),
        migrations.AlterField(
            model_name='case',
            name='created_at',
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='opened'),
        ),
    ]
