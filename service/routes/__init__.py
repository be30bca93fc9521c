"""HTTP routes grouped by resource, one APIRouter per module; ``service.api.create_app`` includes them."""
