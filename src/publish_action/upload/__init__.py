"""Uploading through the legacy upload API: the form (`form`), the streamed body that proves
it sends what was checked (`multipart`), the ordering rules (`schedule`), one file
(`uploader`) and a whole plan in parallel (`batch`)."""

from publish_action.upload.batch import upload_all
from publish_action.upload.form import form_fields
from publish_action.upload.uploader import Uploader, UploadResult

__all__ = ["UploadResult", "Uploader", "form_fields", "upload_all"]
