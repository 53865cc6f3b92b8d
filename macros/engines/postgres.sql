{#- PostgreSQL implementations of the project's dispatched macros. PostgreSQL has no try_cast: a cast of bad
    text fails the whole statement, so every parse is guarded by a pattern and range checks, and the cast only
    runs (inside CASE, which PostgreSQL evaluates in order) on text that is known to parse. Text outside the
    accepted spellings becomes null, so the row is rejected with a reason instead of crashing the build. -#}


{#- ISO 8601 dates and timestamps, as DuckDB's try_cast reads them: year-month-day with one- or two-digit month
    and day, an optional time (space or T, h:m[:s[.fraction]]), an optional UTC/offset suffix that, as on
    DuckDB, does not shift the time. Fractions beyond microseconds are truncated (PostgreSQL would round).
    Other spellings PostgreSQL alone would accept ('now', 'yesterday', 'Jan 5 2024', time zone names) are
    null on purpose: they are not reproducible or not portable. -#}
{% macro postgres__try_cast_timestamp(text_expression) -%}
    {%- set x = '(' ~ text_expression ~ ')' -%}
    {#- Fast path, one pattern: the canonical spelling (a timestamp column cast to text) of a moment that surely
        exists; every month has days 1-28, 29 and 30 exist outside February, 31 in the seven long months. -#}
    {%- set surely_valid = '^(?!0000)[0-9]{4}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)'
        ~ '|(?:0[13578]|1[02])-31)(?: (?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:[.][0-9]{1,6})?)?$' -%}
    {#- Every other accepted spelling (and February 29th): fields found by pattern, then checked. -#}
    {%- set date_part = '[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}' -%}
    {%- set separator = '(?: +|T *)' -%}
    {%- set pattern = '^' ~ date_part ~ '(?:' ~ separator ~ '[0-9]{1,2}:[0-9]{1,2}(?::[0-9]{1,2}(?:[.][0-9]*)?)?)?'
        ~ ' *(?:Z|[Uu][Tt][Cc]|[+-][0-9]{2}(?::?[0-9]{2})?)?$' -%}
    {%- set time_prefix = '^' ~ date_part ~ separator -%}
    {%- set found = {
        'year': 'cast(substring(' ~ x ~ " from '^([0-9]{4})') as integer)",
        'month': 'cast(substring(' ~ x ~ " from '^[0-9]{4}-([0-9]{1,2})') as integer)",
        'day': 'cast(substring(' ~ x ~ " from '^[0-9]{4}-[0-9]{1,2}-([0-9]{1,2})') as integer)",
        'hour': 'coalesce(cast(substring(' ~ x ~ " from '" ~ time_prefix ~ "([0-9]{1,2}):') as integer), 0)",
        'minute': 'coalesce(cast(substring(' ~ x ~ " from '" ~ time_prefix ~ "[0-9]{1,2}:([0-9]{1,2})') as integer), 0)",
        'second': 'coalesce(cast(substring(' ~ x ~ " from '" ~ time_prefix ~ "[0-9]{1,2}:[0-9]{1,2}:([0-9]{1,2})') as integer), 0)",
    } -%}
    case
        when {{ x }} ~ '{{ surely_valid }}' then cast({{ x }} as timestamp)
        when {{ x }} ~ '{{ pattern }}' then
            case when {{ customer_segmentation.postgres__is_valid_timestamp(x, found) }}
                then cast(regexp_replace({{ x }}, '([.][0-9]{6})[0-9]+', '\1') as timestamp)
            end
    end
{%- endmacro %}


{#- The fields name a real moment: a year from 1 (PostgreSQL has no year 0, DuckDB reads it as 1 BC), a month's real day, 24:00:00 only as midnight at the end of the day (as on
    DuckDB), minutes and seconds below 60. -#}
{% macro postgres__is_valid_timestamp(x, part) -%}
    {{ part.year }} >= 1
                and {{ part.month }} between 1 and 12
                and {{ part.day }} between 1 and case
                    when {{ part.day }} <= 28 then 28
                    when {{ part.month }} in (4, 6, 9, 11) then 30
                    when {{ part.month }} = 2 then
                        case when ({{ part.year }} % 4 = 0 and {{ part.year }} % 100 <> 0) or {{ part.year }} % 400 = 0 then 29 else 28 end
                    else 31
                end
                and {{ part.minute }} <= 59
                and {{ part.second }} <= 59
                and ({{ part.hour }} <= 23 or ({{ part.hour }} = 24 and {{ part.minute }} = 0 and {{ part.second }} = 0
                    and not {{ x }} ~ '[.][0-9]*[1-9]'))
{%- endmacro %}


{#- A decimal number (optional sign, digits with single underscores between them as DuckDB allows, an
    optional fraction and exponent), rounded half away from zero to cents like a cast. Null when it does not
    fit decimal(precision, 2), where PostgreSQL would fail with 'numeric field overflow'. -#}
{% macro postgres__try_cast_money(text_expression, precision=18) -%}
    {%- set x = '(' ~ text_expression ~ ')' -%}
    {%- set digits = '[0-9](?:_?[0-9])*' -%}
    {%- set pattern = '^[+-]?(?:' ~ digits ~ '(?:[.](?:' ~ digits ~ ')?)?|[.]' ~ digits ~ ')(?:[eE][+-]?[0-9]{1,4})?$' -%}
    case when {{ x }} ~ '{{ pattern }}' then
        case when abs(round(cast(replace({{ x }}, '_', '') as numeric), 2)) < 1e{{ precision - 2 }}
            then cast(cast(replace({{ x }}, '_', '') as numeric) as decimal({{ precision }}, 2))
        end
    end
{%- endmacro %}


{% macro postgres__regex_matches(text_expression, pattern) -%}
    ({{ text_expression }} ~ '{{ pattern }}')
{%- endmacro %}

{% macro postgres__regex_group(text_expression, pattern, group) -%}
    nullif((regexp_match({{ text_expression }}, '{{ pattern }}'))[{{ group }}], '')
{%- endmacro %}

{#- `at time zone` reads a timestamp as local time in a zone (giving a moment), then a moment as local time in
    another zone; neither step depends on the session's TimeZone. -#}
{% macro postgres__convert_zone(source, target, timestamp_expression) -%}
    (({{ timestamp_expression }} at time zone {{ source }}) at time zone {{ target }})
{%- endmacro %}

{% macro postgres__is_known_zone(zone) -%}
    {{ zone }} in (select name from pg_timezone_names)
{%- endmacro %}


{#- JIT compilation pays off for long analytical queries over big tables, but the parse guards above make
    wide expressions whose compilation costs more than it saves: the demo builds in about two thirds of the
    time without it. `set local` lasts for the model's transaction only. -#}
{% macro postgres__engine_session_settings() -%}
    set local jit = off
{%- endmacro %}
