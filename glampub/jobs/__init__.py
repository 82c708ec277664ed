"""Imports run in the background: in a thread or on an RQ worker.

background (the job, and enqueueing it), worker (the RQ entry point, which
builds the app the job runs in), runner (who runs an upload's job, and what
to do when it died), harvest_job (the harvest of image URLs after a publish).
"""
