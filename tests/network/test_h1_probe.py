import pytest
from essaim.cooperatives.models import Cooperative

@pytest.mark.django_db
def test_probe(world):
    print("COOPS", sorted(Cooperative.objects.values_list("slug", flat=True)))
