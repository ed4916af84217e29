from django.urls import path

from tandem.inventory.views import counts, landed_costs, scan, stock, transfers, valuation, warehouses
from tandem.web.generic.routes import model_urls

app_name = "inventory"

urlpatterns = [
    *model_urls(
        list=transfers.TransferListView,
        create=transfers.TransferCreateView,
        detail=transfers.TransferDetailView,
        route="transfers/",
        name="transfer_",
    ),
    path("transfers/<int:pk>/process/", scan.TransferProcessView.as_view(), name="transfer_process"),
    path("transfers/<int:pk>/pdf/", transfers.TransferPdfView.as_view(), name="transfer_pdf"),
    *model_urls(
        list=warehouses.WarehouseListView,
        create=warehouses.WarehouseCreateView,
        detail=warehouses.WarehouseDetailView,
        edit=warehouses.WarehouseEditView,
        route="warehouses/",
        name="warehouse_",
    ),
    *model_urls(
        list=warehouses.LocationListView,
        create=warehouses.LocationCreateView,
        detail=warehouses.LocationDetailView,
        edit=warehouses.LocationEditView,
        route="locations/",
        name="location_",
    ),
    *model_urls(
        list=warehouses.LotListView,
        create=warehouses.LotCreateView,
        detail=warehouses.LotDetailView,
        route="lots/",
        name="lot_",
    ),
    *model_urls(
        list=counts.CountListView,
        create=counts.CountCreateView,
        detail=counts.CountDetailView,
        route="counts/",
        name="count_",
    ),
    path("counts/<int:pk>/record/", counts.CountRecordView.as_view(), name="count_record"),
    path("counts/<int:pk>/pdf/", counts.CountPdfView.as_view(), name="count_pdf"),
    path("counts/<int:pk>/sheet/", counts.CountSheetExportView.as_view(), name="count_sheet_export"),
    *model_urls(list=stock.QuantListView, route="stock/", name="quant_"),
    *model_urls(list=stock.MoveLineListView, route="moves/", name="moveline_"),
    path("stock/<int:product>/<int:warehouse>/", stock.StockCardView.as_view(), name="stock_card"),
    path("valuation/", valuation.StockValuationView.as_view(), name="valuation"),
    path("valuation/settings/", valuation.ValuationSettingsView.as_view(), name="valuation_settings"),
    path(
        "valuation/settings/edit/",
        valuation.ValuationSettingsEditView.as_view(),
        name="valuation_settings_edit",
    ),
    *model_urls(
        list=valuation.CategoryValuationListView,
        create=valuation.CategoryValuationCreateView,
        detail=valuation.CategoryValuationDetailView,
        edit=valuation.CategoryValuationEditView,
        route="valuation/categories/",
        name="category_valuation_",
    ),
    *model_urls(
        list=landed_costs.LandedCostListView,
        create=landed_costs.LandedCostCreateView,
        detail=landed_costs.LandedCostDetailView,
        edit=landed_costs.LandedCostEditView,
        route="landed-costs/",
        name="landed_cost_",
    ),
    path(
        "landed-costs/<int:pk>/lines/new/",
        landed_costs.LandedCostLineAddView.as_view(),
        name="landed_cost_line_add",
    ),
    path(
        "landed-costs/<int:pk>/lines/<int:line>/remove/",
        landed_costs.LandedCostLineRemoveView.as_view(),
        name="landed_cost_line_remove",
    ),
]
