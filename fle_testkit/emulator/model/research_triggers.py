"""Technologies a trigger researches (2.0's ``research_trigger``), not labs.

Vanilla 2.0 has these kinds in its base game: ``craft-item`` (steam power: craft 50 iron
plates; electronics: 10 copper plates; automation science pack: a lab) and
``mine-entity`` (oil processing: mine crude oil). A craft counts whoever makes it: a
furnace, an assembling machine or a character's hand (the game's first trigger, 50 iron
plates, is met with stone furnaces). A mining counts a mining drill's or a character's.

Assumed, not documented: a trigger counts only while its technology is available (not
researched, enabled, every prerequisite researched), as the game shows it in the
technology screen; what was crafted before does not count. Progress towards a count
(``Research.triggered``) is saved. The technology is researched when the count is
reached, and ``on_research_finished`` is raised for it as for a lab's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .force import Force, Technology
    from .simulation import Simulation

CRAFT_ITEM = "craft-item"
MINE_ENTITY = "mine-entity"
_INDEX = "research-triggers"  # the simulation's cache: (kind, name) -> technology names


def crafted(sim: Simulation, force: Force, item: str, count: int) -> None:
    """``count`` of ``item`` were crafted for ``force``."""
    _observe(sim, force, CRAFT_ITEM, item, count)


def mined(sim: Simulation, force: Force, entity_name: str) -> None:
    """An entity named ``entity_name`` was mined once for ``force``."""
    _observe(sim, force, MINE_ENTITY, entity_name, 1)


def pending(sim: Simulation, force: Force, kind: str, name: str) -> bool:
    """Whether a technology of ``force`` that a ``kind`` of ``name`` counts towards is not researched yet
    (cycles.py: whole cycles run at once must not pass the count that finishes it, now or once the
    technology becomes available)."""
    return any(not force.technologies[t].researched for t in _index(sim, force).get((kind, name), ()))


def _observe(sim: Simulation, force: Force, kind: str, name: str, count: int) -> None:
    listening = _index(sim, force).get((kind, name))
    if not listening:
        return  # (most crafts: one dictionary look-up)
    research = force.research
    for technology_name in listening:
        technology = force.technologies[technology_name]
        if not _available(force, technology):
            continue
        trigger = technology.prototype.research_trigger
        if trigger is None:
            continue
        done = research.triggered.get(technology_name, 0) + count
        if done < trigger.count:
            research.triggered[technology_name] = done
            continue
        research.triggered.pop(technology_name, None)
        technology.researched = True  # (unlocks its recipes)
        research.previous = technology
        sim.cache.setdefault("research-finished", []).append((sim.now, technology))


def _available(force: Force, technology: Technology) -> bool:
    if technology.researched or not technology.enabled:
        return False
    technologies = force.technologies
    return all(technologies[name].researched for name in technology.prototype.prerequisites if name in technologies)


def _index(sim: Simulation, force: Force) -> dict[tuple[str, str], tuple[str, ...]]:
    found = sim.cache.get(_INDEX)
    if found is None:
        listening: dict[tuple[str, str], list[str]] = {}
        for technology in force.technologies.values():
            trigger = technology.prototype.research_trigger
            if trigger is None:
                continue
            subject = trigger.item if trigger.type == CRAFT_ITEM else trigger.entity
            if subject is not None:
                listening.setdefault((trigger.type, subject), []).append(technology.name)
        found = sim.cache[_INDEX] = {key: tuple(names) for key, names in listening.items()}
    return found
