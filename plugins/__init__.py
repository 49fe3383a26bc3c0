"""Programme plugins; each registers through the `samvirke.plugins` entry points."""
