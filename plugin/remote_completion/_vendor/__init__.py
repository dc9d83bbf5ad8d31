"""Third-party libraries carried inside the plugin's own package
(tools/vendor.py writes them from third_party/jython-lib/)."""
