from django.urls import path

from tandem.catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.ProductListView.as_view(), name="list"),
    path("export/", views.ProductListView.as_view(export=True), name="export"),
    path("new/", views.ProductCreateView.as_view(), name="create"),
    path("categories/new/", views.CategoryCreateView.as_view(), name="category_create"),
    path("<int:pk>/", views.ProductDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.ProductEditView.as_view(), name="edit"),
]
