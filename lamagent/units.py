"""Units of measure by the names people write them: length, mass, volume, time, speed and
temperature, each unit with its kind and its size in its kind's base unit.

One table for what converts quantities (`lamagent.demo_tools.convert_units`) and what reads
the units users ask for (`lamagent.gate.asked_units`). Small on purpose: the units people
write in requests to tools, in their common names, plurals and abbreviations; no compound
units beyond speed, no prefixes worked out.
"""

from __future__ import annotations

__all__ = ["SIZES", "TEMPERATURES", "kind", "unit_key"]

#: Each unit's kind and its size in the kind's base unit (meters, kilograms, liters, seconds,
#: meters per second). Temperatures have no size: `TEMPERATURES`.
SIZES: dict[str, tuple[str, float]] = {
    "m": ("length", 1.0), "km": ("length", 1000.0), "cm": ("length", 0.01),
    "mm": ("length", 0.001), "mi": ("length", 1609.344), "yd": ("length", 0.9144),
    "ft": ("length", 0.3048), "in": ("length", 0.0254), "nmi": ("length", 1852.0),
    "kg": ("mass", 1.0), "g": ("mass", 0.001), "mg": ("mass", 1e-6), "t": ("mass", 1000.0),
    "lb": ("mass", 0.45359237), "oz": ("mass", 0.028349523125),
    "l": ("volume", 1.0), "ml": ("volume", 0.001), "m3": ("volume", 1000.0),
    "gal": ("volume", 3.785411784), "qt": ("volume", 0.946352946), "cup": ("volume", 0.2365882365),
    "s": ("time", 1.0), "min": ("time", 60.0), "h": ("time", 3600.0), "day": ("time", 86400.0),
    "week": ("time", 604800.0),
    "m/s": ("speed", 1.0), "km/h": ("speed", 1 / 3.6), "mph": ("speed", 0.44704),
    "kn": ("speed", 0.514444),
}  # fmt: skip
#: Temperature scales: Celsius, Fahrenheit, Kelvin.
TEMPERATURES = frozenset({"c", "f", "k"})
#: Other names of the units, lower case.
_ALIASES = {
    "meter": "m", "meters": "m", "metre": "m", "metres": "m", "kilometer": "km",
    "kilometers": "km", "kilometre": "km", "kilometres": "km", "centimeter": "cm",
    "centimeters": "cm", "millimeter": "mm", "millimeters": "mm", "mile": "mi", "miles": "mi",
    "yard": "yd", "yards": "yd", "foot": "ft", "feet": "ft", "inch": "in", "inches": "in",
    "kilogram": "kg", "kilograms": "kg", "gram": "g", "grams": "g", "pound": "lb",
    "pounds": "lb", "lbs": "lb", "ounce": "oz", "ounces": "oz", "tonne": "t", "tonnes": "t",
    "liter": "l", "liters": "l", "litre": "l", "litres": "l", "milliliter": "ml",
    "milliliters": "ml", "gallon": "gal", "gallons": "gal", "cups": "cup", "second": "s",
    "seconds": "s", "sec": "s", "minute": "min", "minutes": "min", "hour": "h", "hours": "h",
    "days": "day", "weeks": "week", "kmh": "km/h", "kph": "km/h", "knots": "kn",
    "celsius": "c", "°c": "c", "fahrenheit": "f", "°f": "f", "kelvin": "k",
}  # fmt: skip


def unit_key(name: str) -> str | None:
    """The unit `name` writes ("Kilometers", "km", "°F"), as the tables key it ("km", "f"),
    or None for no unit they hold."""
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    return key if key in SIZES or key in TEMPERATURES else None


def kind(name: str) -> str | None:
    """What the unit `name` measures ("length", "speed", "temperature"), or None."""
    key = unit_key(name)
    if key is None:
        return None
    return "temperature" if key in TEMPERATURES else SIZES[key][0]
