"""Rich menus as code: definitions loaded and validated before they reach LINE."""
