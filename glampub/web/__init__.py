"""Everything HTTP that glampub.app assembles: blueprints (the routes),
fast_documents (WSGI middleware answering repeated document requests before
Flask), edge (request checks), requests (the request class), extensions,
errors (error pages), security (headers), auth (sign-in), vendor (the viewer's
installed assets)."""
