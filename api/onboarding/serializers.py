from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from network.onboarding.models import Partner, SetupProject


class StageSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    total = serializers.IntegerField(help_text="Tâches de l'étape")
    done = serializers.IntegerField(help_text="Tâches faites")
    late = serializers.IntegerField(help_text="Tâches en retard (échéance passée, non faites)")
    percent = serializers.IntegerField()


class TaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    due_on = serializers.DateField(allow_null=True)
    status = serializers.CharField()
    resource_id = serializers.IntegerField(allow_null=True, help_text="Ressource de la bibliothèque liée")
    resource_url = serializers.CharField()


class StageWithTasksSerializer(StageSerializer):
    tasks = TaskSerializer(many=True)


class PartnerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Partner
        fields = ["id", "kind", "name", "contact_name", "ask", "status", "amount_requested", "amount_committed"]


class ProjectRowSerializer(serializers.Serializer):
    """One project of the pipeline (a `selectors.PipelineRow`)."""

    id = serializers.IntegerField(source="project.pk")
    name = serializers.CharField(source="project.name")
    status = serializers.ChoiceField(source="project.status", choices=SetupProject.Status.choices)
    region = serializers.CharField(source="project.region")
    departments = serializers.ListField(source="project.department_list", child=serializers.CharField())
    sector = serializers.CharField(source="project.sector")
    mentor = serializers.CharField(source="project.mentor.name", default=None, allow_null=True)
    current_stage = serializers.CharField(source="current.key")
    progress_percent = serializers.IntegerField(source="percent")
    late_tasks = serializers.IntegerField(source="late")
    cooperative_slug = serializers.CharField(source="project.cooperative.slug", default=None, allow_null=True)
    stages = StageSerializer(many=True)


class ProjectDetailSerializer(ProjectRowSerializer):
    stages = serializers.SerializerMethodField()
    partners = serializers.SerializerMethodField()
    legal_form = serializers.CharField(source="project.legal_form")
    siren = serializers.CharField(source="project.siren")
    launched_at = serializers.DateTimeField(source="project.launched_at", allow_null=True)

    @extend_schema_field(StageWithTasksSerializer(many=True))
    def get_stages(self, row) -> list[dict]:
        from network.onboarding.selectors import tasks_by_stage

        return StageWithTasksSerializer(
            [{"key": s.key, "label": s.label, "total": s.total, "done": s.done, "late": s.late,
              "percent": s.percent, "tasks": tasks} for s, tasks in tasks_by_stage(row.project)], many=True).data

    @extend_schema_field(PartnerSerializer(many=True))
    def get_partners(self, row) -> list[dict]:
        return PartnerSerializer(row.project.partners.order_by("kind", "name"), many=True).data
