from chalice import Chalice

from chalicelib import handlers, observability
from chalicelib.api import categories, directory, me, photos, tickets

app = Chalice(app_name="fanglin", configure_logs=False)
app.api.binary_types.extend(["image/webp", "image/*"])
app.register_middleware(observability.middleware, "all")

for blueprint in (me.bp, directory.bp, categories.bp, tickets.bp, photos.bp):
    app.register_blueprint(blueprint)
app.register_blueprint(handlers.bp)
