from __future__ import annotations

import os
import uuid
from time import monotonic

from celery import Celery
from kombu.transport import TRANSPORT_ALIASES
from kombu.transport import filesystem as kombu_filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")


class AtomicFilesystemChannel(kombu_filesystem.Channel):
    """kombu's filesystem channel, but a message file appears only once it is complete.

    kombu creates the final file and then writes to it; a worker polling the folder can move and read it
    in between, get an empty payload and die with JSONDecodeError ("Unrecoverable error"). We write to a
    temporary name the reader ignores, then rename, which is atomic on one filesystem.
    """

    def _put(self, queue, payload, **kwargs):
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        temporary = os.path.join(self.data_folder_out, f".{name}.tmp")
        try:
            with open(temporary, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(temporary, final)
        except OSError as exc:
            raise kombu_filesystem.ChannelError(f"Cannot add file {final!r} to directory") from exc


class AtomicFilesystemTransport(kombu_filesystem.Transport):
    Channel = AtomicFilesystemChannel


# The embedded default (CELERY_BROKER_URL = "filesystem://") uses the atomic variant in every process.
TRANSPORT_ALIASES["filesystem"] = "core.celery:AtomicFilesystemTransport"

app = Celery("appeal_desk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
