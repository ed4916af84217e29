from django.urls import path

from tandem.catalog import views
from tandem.web.generic.routes import model_urls

app_name = "catalog"

urlpatterns = [
    *model_urls(
        list=views.ProductListView,
        create=views.ProductCreateView,
        detail=views.ProductDetailView,
        edit=views.ProductEditView,
    ),
    path("categories/new/", views.CategoryCreateView.as_view(), name="category_create"),
]
