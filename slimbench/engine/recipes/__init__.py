"""Recipes: chains of compression steps read from TOML, run headless, measured and reported."""

from slimbench.engine.recipes.recipe import (
    TECHNIQUES,
    AutoSearch,
    MeasureSettings,
    QualityFloor,
    Recipe,
    RecipeError,
    Step,
    dumps_recipe,
    load_recipe,
    parse_recipe,
    recipe_from_dict,
    save_recipe,
    technique_options,
)

__all__ = [
    "TECHNIQUES",
    "AutoSearch",
    "MeasureSettings",
    "QualityFloor",
    "Recipe",
    "RecipeError",
    "Step",
    "dumps_recipe",
    "load_recipe",
    "parse_recipe",
    "recipe_from_dict",
    "save_recipe",
    "technique_options",
]
