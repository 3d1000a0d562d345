from django.urls import path

from . import views

app_name = "onboarding"
urlpatterns = [
    path("", views.pipeline, name="pipeline"),
    path("nouveau/", views.project_create, name="create"),
    path("mes-projets/", views.my_projects, name="mine"),
    path("<int:pk>/", views.project_detail, name="project"),
    path("<int:pk>/fiche/<slug:section>/", views.project_section, name="section"),
    path("<int:pk>/taches/nouvelle/", views.task_create, name="task-create"),
    path("<int:pk>/taches/<int:task_id>/", views.task_update, name="task"),
    path("<int:pk>/partenaires/", views.partner_save, name="partner-create"),
    path("<int:pk>/partenaires/<int:partner_id>/", views.partner_save, name="partner"),
    path("<int:pk>/membres/", views.member_invite, name="invite"),
    path("<int:pk>/plan/", views.business_plan, name="plan"),
    path("<int:pk>/plan.<str:fmt>", views.business_plan_export, name="plan-export"),
    path("<int:pk>/lancer/", views.launch, name="launch"),
]
