from chalice import Chalice

from chalicelib import handlers, observability
from chalicelib.api import categories, directory, docs, inbox, me, open311, photos, sla, tickets

app = Chalice(app_name="fanglin", configure_logs=False)
app.api.binary_types.extend(["image/webp", "image/*"])
app.register_middleware(observability.middleware, "all")

for resource in (me, inbox, directory, categories, tickets, photos, sla, open311, docs):
    app.register_blueprint(resource.bp)
app.register_blueprint(handlers.bp)
