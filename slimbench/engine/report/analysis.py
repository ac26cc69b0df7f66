"""What the report says about a comparison: quality measures, the floor, colours, the summary.

Everything here reads a :class:`Comparison` and computes; nothing is hard-coded about a
particular model, so the words in the report always follow the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from slimbench.engine.compare.results import Comparison, Measurement, VariantRecord, frontier
from slimbench.engine.report import formatting as fmt

#: Matplotlib's "tab10" colours, then "tab20"'s lighter ones: one per variant, in order.
PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94",
)


def variant_colours(comparison: Comparison) -> dict[str, str]:
    """The same colour for a variant in every chart (and in the HTML table)."""
    return {
        record.name: PALETTE[index % len(PALETTE)]
        for index, record in enumerate(comparison.variants)
    }


def device_names(comparison: Comparison) -> list[str]:
    """Devices in the comparison's order, then any only the measurements name."""
    names = [device.name for device in comparison.devices]
    for record in comparison.variants:
        for name in record.by_device:
            if name not in names:
                names.append(name)
    return names


def usable(measurement: Measurement | None) -> bool:
    """A measurement that ran (no error) and has a latency."""
    return bool(measurement and not measurement.error and measurement.latency_ms)


def median_ms(measurement: Measurement | None) -> float | None:
    if not usable(measurement):
        return None
    assert measurement is not None and measurement.latency_ms is not None
    return measurement.latency_ms.get("median")


def top1(measurement: Measurement | None) -> float | None:
    if measurement is None or measurement.error or not measurement.fidelity:
        return None
    return measurement.fidelity.get("top1_agreement")


def reference_record(comparison: Comparison) -> VariantRecord | None:
    try:
        return comparison.variant(comparison.reference)
    except KeyError:
        return None


@dataclass
class QualityAxis:
    """Which quality measure a device's chart and sentences use, and the floor on it."""

    key: str  # "accuracy" or "top1"
    label: str  # "Accuracy" or "Top-1 agreement with the original"
    floor: float | None  # as a fraction, already relative to the reference where needed
    floor_words: str | None  # "97 % of the original's accuracy"

    def value(self, measurement: Measurement | None) -> float | None:
        if measurement is None or measurement.error:
            return None
        if self.key == "accuracy":
            return measurement.accuracy
        return top1(measurement)


def quality_axis(comparison: Comparison, device: str) -> QualityAxis:
    """Accuracy when every variant that ran on ``device`` has one, else top-1 agreement."""
    ran = [
        record.by_device[device] for record in comparison.variants
        if usable(record.by_device.get(device))
    ]
    with_accuracy = [m for m in ran if m.accuracy is not None]
    floor = comparison.floor or {}
    if ran and len(with_accuracy) == len(ran):
        reference = reference_record(comparison)
        ratio = floor.get("accuracy_ratio")
        threshold = words = None
        reference_measurement = reference.by_device.get(device) if reference else None
        if ratio is not None and reference_measurement and reference_measurement.accuracy:
            threshold = ratio * reference_measurement.accuracy
            words = f"{fmt.percent(ratio)} of the original's accuracy"
        return QualityAxis("accuracy", "Accuracy", threshold, words)
    agreement = floor.get("top1_agreement")
    words = f"top-1 agreement of {fmt.percent(agreement)}" if agreement is not None else None
    return QualityAxis("top1", "Top-1 agreement with the original", agreement, words)


def floor_thresholds(comparison: Comparison, device: str) -> dict[str, float | None]:
    """The least accuracy and top-1 agreement (fractions) a variant may show on ``device``."""
    floor = comparison.floor or {}
    reference = reference_record(comparison)
    measurement = reference.by_device.get(device) if reference else None
    ratio = floor.get("accuracy_ratio")
    accuracy = None
    if ratio is not None and measurement is not None and measurement.accuracy:
        accuracy = ratio * measurement.accuracy
    return {"accuracy": accuracy, "top1": floor.get("top1_agreement")}


def floor_words(comparison: Comparison) -> str | None:
    """The recipe's floor in words, or None when there is none."""
    floor = comparison.floor or {}
    parts = []
    if floor.get("accuracy_ratio") is not None:
        parts.append(f"accuracy at least {fmt.percent(floor['accuracy_ratio'])} of the original's")
    if floor.get("top1_agreement") is not None:
        parts.append(
            f"top-1 agreement with the original at least {fmt.percent(floor['top1_agreement'])}"
        )
    return " and ".join(parts) if parts else None


def meets_floor(comparison: Comparison, record: VariantRecord) -> bool | None:
    """The recorded verdict; computed from the measurements when the record has none."""
    if record.meets_floor is not None:
        return record.meets_floor
    floor = comparison.floor or {}
    ratio, agreement = floor.get("accuracy_ratio"), floor.get("top1_agreement")
    if ratio is None and agreement is None:
        return None
    reference = reference_record(comparison)
    verdict: bool | None = None
    for device, measurement in record.by_device.items():
        if not usable(measurement):
            continue
        reference_measurement = reference.by_device.get(device) if reference else None
        if ratio is not None and measurement.accuracy is not None and reference_measurement \
                and reference_measurement.accuracy:
            ok = measurement.accuracy >= ratio * reference_measurement.accuracy - 1e-12
            verdict = ok if verdict is None else verdict and ok
        agreement_value = top1(measurement)
        if agreement is not None and agreement_value is not None:
            ok = agreement_value >= agreement - 1e-12
            verdict = ok if verdict is None else verdict and ok
    return verdict


def device_frontier(comparison: Comparison, device: str) -> list[str]:
    recorded = (comparison.frontier or {}).get(device)
    return list(recorded) if recorded else frontier(comparison.variants, device)


def _ratio(value: float | None, base: float | None) -> float | None:
    if value is None or not base:
        return None
    return value / base


def summary(comparison: Comparison) -> str:
    """One plain-language paragraph: smallest, fastest, the quality kept, the floor."""
    records = comparison.variants
    if not records:
        return "The comparison holds no variants, so there is nothing to summarise."
    reference = reference_record(comparison)
    devices = device_names(comparison)
    device = devices[0] if devices else None
    sentences: list[str] = []
    others = [record for record in records if record is not reference]
    sentences.append(
        f"Slimbench measured {len(records)} version{'s' if len(records) != 1 else ''} of the "
        f"model on {', '.join(devices) or 'no device'}, with batches of {comparison.batch_size}."
    )
    ref_ms = median_ms(reference.by_device.get(device)) if reference and device else None
    if reference is not None:
        called = ("The original" if reference.name.lower() == "original"
                  else f"The original ({reference.name})")
        sentence = (
            f"{called} has {fmt.count(reference.params_total)} "
            f"parameters and takes {fmt.size(reference.size_bytes)} on disk"
        )
        if ref_ms is not None:
            sentence += f" and {fmt.milliseconds(ref_ms)} per batch on {device}"
        sentences.append(sentence + ".")
    sized = [record for record in others if record.size_bytes]
    if sized:
        smallest = min(sized, key=lambda record: record.size_bytes)
        share = _ratio(smallest.size_bytes, reference.size_bytes if reference else None)
        sentence = f"The smallest is {smallest.name}, at {fmt.size(smallest.size_bytes)}"
        if share is not None:
            sentence += f" ({fmt.ratio(share)} the original's size)"
        sentences.append(sentence + ".")
    if device is not None:
        sentences.extend(_fastest_sentences(comparison, device, ref_ms))
    words = floor_words(comparison)
    if words:
        verdicts = [(record, meets_floor(comparison, record)) for record in others]
        passing = [record.name for record, ok in verdicts if ok]
        failing = [record.name for record, ok in verdicts if ok is False]
        sentence = f"The quality floor asks for {words}: "
        if passing:
            sentence += f"{_names(passing)} meet{'s' if len(passing) == 1 else ''} it"
            if failing:
                sentence += f", {_names(failing)} fall{'s' if len(failing) == 1 else ''} below it"
        elif failing:
            sentence += f"no variant meets it ({_names(failing)} fall below it)"
        else:
            sentence += "it could not be checked (no quality was measured)"
        sentences.append(sentence + ".")
    failures = [
        f"{record.name} on {name}"
        for record in records for name, measurement in record.by_device.items()
        if measurement.error
    ]
    if failures:
        sentences.append(
            f"Some runs failed ({_names(failures)}); the table shows why as n/a cells."
        )
    return " ".join(sentences)


def _fastest_sentences(comparison: Comparison, device: str, ref_ms: float | None) -> list[str]:
    ran = [
        (median_ms(record.by_device.get(device)), record) for record in comparison.variants
        if median_ms(record.by_device.get(device)) is not None
    ]
    if not ran:
        return [f"No variant could be timed on {device}."]
    fastest_ms, fastest = min(ran, key=lambda pair: pair[0] or 0.0)
    if fastest.name == comparison.reference:
        return [f"On {device}, none of the variants is faster than the original."]
    sentence = (f"The fastest on {device} is {fastest.name}, at "
                f"{fmt.milliseconds(fastest_ms)} per batch")
    speedup = _ratio(ref_ms, fastest_ms)
    if speedup is not None:
        sentence += f" ({fmt.ratio(speedup)} as fast as the original)"
    quality = _quality_words(comparison, fastest, device)
    if quality:
        sentence += f", and {quality}"
    sentences = [sentence + "."]
    words = floor_words(comparison)
    verdict = meets_floor(comparison, fastest)
    if words and verdict is False:
        passing = [
            (ms, record) for ms, record in ran
            if record.name != comparison.reference and meets_floor(comparison, record)
        ]
        if passing:
            best_ms, best = min(passing, key=lambda pair: pair[0] or 0.0)
            sentences.append(
                f"It falls below the quality floor; the fastest variant that meets the floor is "
                f"{best.name}, at {fmt.milliseconds(best_ms)}"
                + (f" ({fmt.ratio(_ratio(ref_ms, best_ms))} as fast as the original)."
                   if ref_ms else ".")
            )
        else:
            sentences.append("It falls below the quality floor.")
    elif words and verdict:
        sentences.append("It meets the quality floor.")
    return sentences


def _quality_words(comparison: Comparison, record: VariantRecord, device: str) -> str | None:
    reference = reference_record(comparison)
    measurement = record.by_device.get(device)
    reference_measurement = reference.by_device.get(device) if reference else None
    if measurement is None:
        return None
    if measurement.accuracy is not None and reference_measurement \
            and reference_measurement.accuracy:
        kept = measurement.accuracy / reference_measurement.accuracy
        return (
            f"it keeps {fmt.percent(kept)} of the original's accuracy "
            f"({fmt.percent(measurement.accuracy)} against "
            f"{fmt.percent(reference_measurement.accuracy)})"
        )
    agreement = top1(measurement)
    if agreement is not None:
        return f"it agrees with the original's top answer {fmt.percent(agreement)} of the time"
    return None


def _names(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
