"""The tool the user's words name (`lamagent.gate.named`), and the turn generated again for it
(`mentioned_arguments`). The tools and drafts are BFCL's and the embedded model's (named),
and made-up ones."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from turn_helpers import one_turn

from lamagent import Agent
from lamagent.backends.scripted import ScriptedBackend
from lamagent.gate.named import named_tool, tool_weight
from lamagent.generation import GenerationParams
from lamagent.messages import Message, ToolCall
from lamagent.tools import Tool
from lamagent.turns import TurnRequest, turn_source


def _tool(name: str, description: str, *params: str) -> Tool:
    return Tool.from_spec(
        {
            "name": name,
            "description": description,
            "parameters": {
                "type": "dict",
                "properties": {p: {"type": "string", "description": p} for p in params},
                "required": list(params),
            },
        }
    )


# BFCL multiple_65's tools
TIMEZONES = _tool("timezones.get_difference", "Find the time difference between two cities.",
                  "city1", "city2")  # fmt: skip
GEODISTANCE = _tool("geodistance.find", "Find the distance between two cities on the globe.",
                    "origin", "destination")  # fmt: skip
FLIGHTS = _tool("flights.search", "Find flights between two cities.", "from_city", "to_city")
DISTANCE_TOOLS = [TIMEZONES, GEODISTANCE, FLIGHTS]
WEATHER = _tool("weather.today", "Today's weather.", "city")
DISTANCE = "Find the distance between New York City and Los Angeles."  # BFCL multiple_65
GLOBE = "Find the distance on the globe between New York City and Los Angeles."
# BFCL multiple_84's tools
GOALS = _tool("getTopGoalScorers", "Returns the top goal scorers for a competition and team",
              "competition", "team")  # fmt: skip
ASSISTS = _tool("getTopAssists", "Returns the top assist makers for a competition and team",
                "competition", "team")  # fmt: skip
SCORERS = "Give me the top 10 goal scorers in the UEFA Champions League from Barcelona team."


def _call(tool: Tool, **arguments: Any) -> ToolCall:
    return ToolCall(name=tool.name, arguments=arguments)


def _user(text: str) -> list[Message]:
    return [Message.user(text)]


def test_the_tool_whose_name_the_user_says_first() -> None:
    draft = [_call(ASSISTS, competition="UEFA Champions League", team="Barcelona")]
    assert named_tool(draft, [GOALS, ASSISTS], _user(SCORERS)) is GOALS
    # "top" of getTopAssists meets too, so its weight is not nothing; the scorers' is more
    assert tool_weight(GOALS, {"top", "goal", "scorer"}) > tool_weight(ASSISTS, {"top"})


def test_the_name_weighs_before_the_description() -> None:
    scorers = _tool("goal_scorers", "Players.", "league")
    assists = _tool("top_assists", "The top goal scorers and assist makers of a league.", "league")
    draft = [_call(assists, league="Champions League")]
    text = "The top 10 goal scorers in the Champions League."
    assert named_tool(draft, [scorers, assists], _user(text)) is scorers


def test_between_names_that_meet_as_many_words_the_description_decides() -> None:
    # no name word meets "distance" ("geodistance" is one word): "distance" and "globe" of
    # its description do, two words more than the time difference's
    draft = [_call(TIMEZONES, city1="New York City", city2="Los Angeles")]
    assert named_tool(draft, DISTANCE_TOOLS, _user(GLOBE)) is GEODISTANCE


@pytest.mark.parametrize(
    ("tools", "draft", "text"),
    [
        # BFCL multiple_65: "distance" alone, one description word more
        (DISTANCE_TOOLS, _call(TIMEZONES, city1="A", city2="B"), DISTANCE),
        (  # bfcl-eval's live_multiple_36: "todo" of "Deletes a todo item" alone
            [
                _tool("todo_add", "Adds a new item to the to-do list.", "content"),
                _tool("todo_delete", "Deletes a todo item from the list.", "content"),
            ],
            ToolCall(name="todo_add", arguments={"content": "go for shopping at 9 pm"}),
            'can you create todo for "go for shopping at 9 pm"',
        ),
    ],
)
def test_one_description_word_more_is_too_little(
    tools: list[Tool], draft: ToolCall, text: str
) -> None:
    assert named_tool([draft], tools, _user(text)) is None


@pytest.mark.parametrize(
    ("calls", "tools", "text"),
    [
        # the draft's tool is as named as any
        ([_call(GEODISTANCE, origin="A", destination="B")], DISTANCE_TOOLS, DISTANCE),
        # one tool: nothing to choose
        ([_call(TIMEZONES, city1="A", city2="B")], [TIMEZONES], DISTANCE),
        # the draft's tool weighs as much as the heaviest
        ([_call(FLIGHTS, from_city="A")], DISTANCE_TOOLS, "Between two cities, please."),
        # the draft's tool weighs less, but three weigh the same
        ([_call(WEATHER, city="A")], [*DISTANCE_TOOLS, WEATHER], "Between two cities, please."),
        # the draft calls two tools: the user may have asked for each
        (
            [_call(TIMEZONES, city1="A", city2="B"), _call(FLIGHTS, from_city="A", to_city="B")],
            DISTANCE_TOOLS,
            DISTANCE,
        ),
        # no words to weigh by
        ([_call(TIMEZONES, city1="A", city2="B")], DISTANCE_TOOLS, "?"),
        # a tool the request does not offer
        ([ToolCall(name="other", arguments={})], DISTANCE_TOOLS, DISTANCE),
    ],
)
def test_no_tool_is_named(calls: list[ToolCall], tools: list[Tool], text: str) -> None:
    assert named_tool(calls, tools, _user(text)) is None


# -- the turn source -------------------------------------------------------------------------


def test_the_turn_is_generated_again_for_the_named_tool_alone() -> None:
    backend = ScriptedBackend.calls(
        [
            [_call(TIMEZONES, city1="New York City", city2="Los Angeles")],
            [_call(GEODISTANCE, origin="New York City", destination="Los Angeles")],
        ],
        supports_constraint=True,
    )
    model_turn = one_turn(backend, GLOBE, DISTANCE_TOOLS, mentioned_arguments=True)
    assert [c.name for c in model_turn.turn.calls] == ["geodistance.find"]
    assert model_turn.renamed == ("timezones.get_difference", "geodistance.find")
    first, second = (params.constraint for _, params in backend.requests)
    assert first is not None and second is not None and second.json_schema is not None
    item = second.json_schema["items"]
    assert item["properties"]["name"] == {"const": "geodistance.find"}  # that tool alone
    assert second.json_schema["maxItems"] == 1  # no more calls than the draft
    assert model_turn.generation.usage.requests == 2
    assert backend.requests[0][0] == backend.requests[1][0]  # the same prompt


@pytest.mark.parametrize(
    "kw", [{"mentioned_arguments": False}, {"mentioned_arguments": True, "tool_choice": "auto"}]
)
def test_off_or_auto_one_generation(kw: dict[str, Any]) -> None:
    backend = ScriptedBackend.calls(
        [[_call(TIMEZONES, city1="New York City", city2="Los Angeles")]],
        supports_constraint=True,
    )
    model_turn = one_turn(backend, GLOBE, DISTANCE_TOOLS, **kw)
    assert len(backend.requests) == 1 and model_turn.renamed is None


def test_the_draft_stays_when_the_second_generation_fails() -> None:
    # the scripted engine refuses output its grammar does not allow: timezones again
    draft = [_call(TIMEZONES, city1="New York City", city2="Los Angeles")]
    backend = ScriptedBackend.calls([draft, draft], supports_constraint=True)
    request = TurnRequest(
        messages=_user(GLOBE),
        tools=DISTANCE_TOOLS,
        params=GenerationParams(mentioned_arguments=True),
        tool_choice="required",
        constrained=True,
    )
    model_turn = anyio.run(lambda: turn_source(backend).next_turn(request))
    assert len(backend.requests) == 2 and model_turn.renamed is None
    assert [c.name for c in model_turn.turn.calls] == ["timezones.get_difference"]


def test_the_step_records_the_tools_and_the_named_one_runs() -> None:
    backend = ScriptedBackend.calls(
        [
            [_call(TIMEZONES, city1="New York City", city2="Los Angeles")],
            [_call(GEODISTANCE, origin="New York City", destination="Los Angeles")],
            "About 2,450 miles.",
        ],
        supports_constraint=True,
    )
    ran: list[str] = []

    def run(name: str) -> Any:
        def fn(**kwargs: Any) -> str:
            ran.append(name)
            return "2450 miles"

        return fn

    tools = [Tool.from_spec(t.spec(), run(t.name)) for t in DISTANCE_TOOLS]
    agent = Agent(
        backend, tools=tools, constrained=True, tool_choice="required", mentioned_arguments=True
    )
    result = agent.run(GLOBE)
    assert ran == ["geodistance.find"]
    first = result.trajectory.steps[0]
    assert first.renamed == ["timezones.get_difference", "geodistance.find"]
    assert result.trajectory.steps[-1].renamed is None
