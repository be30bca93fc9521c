"""The service's web parts: templates, static files, and routes that serve page images."""
