"""The pipeline: distributions → plan against the index → credentials → attestations → upload
→ confirm. `run` orders the stages and turns every ending into a result; `stages` holds each
step; `state` is what a run carries between them."""

from publish_action.pipeline.run import publish

__all__ = ["publish"]
