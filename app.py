from chalice import Chalice

from chalicelib.core import observability
from chalicelib.directory import routes as directory
from chalicelib.inbox import routes as inbox
from chalicelib.privacy import routes as privacy
from chalicelib.tickets import handlers
from chalicelib.tickets import open311_routes as open311
from chalicelib.tickets import photo_routes as photos
from chalicelib.tickets import routes as tickets
from chalicelib.tickets import sla_routes as sla
from chalicelib.web import docs

app = Chalice(app_name="fanglin", configure_logs=False)
app.api.binary_types.extend(["image/webp", "image/*"])
app.register_middleware(observability.middleware, "all")

for resource in (directory, inbox, privacy, tickets, photos, sla, open311, docs):
    app.register_blueprint(resource.bp)
app.register_blueprint(handlers.bp)
