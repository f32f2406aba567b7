def home(r): pass
def search(r): pass
from django.views.generic import DetailView
class PersonDetailView(DetailView): pass
class CampDetailView(DetailView): pass
