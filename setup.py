"""Packaging glue that pyproject.toml cannot express: ship ``properties/`` inside the wheel.

The built-in property library lives at the top of the repository (``properties/*.prop``,
the one copy that is edited and reviewed). It is mapped, not copied, into the package as
``ipsecmc/builtin_properties/`` (``package_dir``), so a wheel or a plain ``pip install .``
carries it and ``ipsecmc.properties.default_properties_dir`` finds it next to the code.
Everything else about the project is in pyproject.toml.
"""

from setuptools import find_namespace_packages, setup

setup(
    # namespace packages too: ipsecmc/model/ has no __init__.py
    packages=[
        *find_namespace_packages(include=["ipsecmc", "ipsecmc.*"]),
        "ipsecmc.builtin_properties",
    ],
    package_dir={"ipsecmc.builtin_properties": "properties"},
    package_data={"ipsecmc": ["py.typed"], "ipsecmc.builtin_properties": ["*.prop"]},
)
