from chalice import Chalice

from chalicelib.activities import routes as activities
from chalicelib.core import observability
from chalicelib.devices import handlers as device_handlers
from chalicelib.devices import routes as devices
from chalicelib.directory import routes as directory
from chalicelib.guides import routes as guides
from chalicelib.inbox import routes as inbox
from chalicelib.notices import handlers as notice_handlers
from chalicelib.notices import routes as notices
from chalicelib.points import routes as points
from chalicelib.privacy import routes as privacy
from chalicelib.tasks import handlers as task_handlers
from chalicelib.tasks import routes as tasks
from chalicelib.tickets import handlers
from chalicelib.tickets import open311_routes as open311
from chalicelib.tickets import photo_routes as photos
from chalicelib.tickets import routes as tickets
from chalicelib.tickets import sla_routes as sla
from chalicelib.voting import handlers as voting_handlers
from chalicelib.voting import routes as voting
from chalicelib.web import docs

app = Chalice(app_name="fanglin", configure_logs=False)
app.api.binary_types.extend(["image/webp", "image/*"])
app.register_middleware(observability.middleware, "all")

for resource in (directory, inbox, privacy, tickets, photos, sla, open311, points, tasks, voting,
                 notices, guides, activities, devices, docs):
    app.register_blueprint(resource.bp)
app.register_blueprint(handlers.bp)
app.register_blueprint(device_handlers.bp)
app.register_blueprint(task_handlers.bp)
app.register_blueprint(voting_handlers.bp)
app.register_blueprint(notice_handlers.bp)
