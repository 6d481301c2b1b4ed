from django.urls import path

from helpdesk import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("tavla/", views.case_board, name="board"),
    path("ny/<slug:site_code>/", views.case_new, name="new"),
    path("fran-besok/<uuid:visit_id>/", views.case_new_from_visit, name="new_from_visit"),
    path("<str:number>/", views.case_detail, name="detail"),
    path("<str:number>/andra/", views.case_edit, name="edit"),
    path("<str:number>/status/", views.case_move, name="move"),
    path("<str:number>/kommentar/", views.case_comment, name="comment"),
    path("<str:number>/ta/", views.case_take, name="take"),
]
