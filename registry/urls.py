from django.urls import path

from registry.views import public

app_name = "registry"
urlpatterns = [
    path("", public.home, name="home"),
    path("search/", public.search, name="search"),
    path("people/<int:pk>/", public.PersonDetailView.as_view(), name="person"),
    path("camps/<slug:slug>/", public.CampDetailView.as_view(), name="camp"),
]
