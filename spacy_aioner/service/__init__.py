"""``serve``: the pipeline as an HTTP service with a page to look at (``pip install
"spacy-aioner[serve]"``): ``create_app`` builds the FastAPI app, ``ray_serve`` the same app on
Ray Serve replicas."""
