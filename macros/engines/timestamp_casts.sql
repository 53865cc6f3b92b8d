{#- Text as a timestamp, null instead of a failed build when it does not parse, and a raw timestamp column
    as text, on every engine. PostgreSQL has no try_cast: a cast of bad text fails the whole statement, so
    its parse is guarded by a pattern and range checks, and the cast only runs (inside CASE, which
    PostgreSQL evaluates in order) on text known to parse. -#}


{% macro try_cast_timestamp(text_expression) -%}
    {{ return(adapter.dispatch('try_cast_timestamp', 'customer_segmentation')(text_expression)) }}
{%- endmacro %}

{% macro default__try_cast_timestamp(text_expression) -%}
    {{ dbt.safe_cast(text_expression, api.Column.translate_type('timestamp')) }}
{%- endmacro %}

{#- dbt-duckdb's safe_cast is a plain cast, so one unparseable value would fail the whole build. -#}
{% macro duckdb__try_cast_timestamp(text_expression) -%}
    try_cast({{ text_expression }} as timestamp)
{%- endmacro %}


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


{#- Bad input must become null (then a rejected row), never a failed build: try_cast returns null for an
    unparseable value whether or not spark.sql.ansi.enabled makes a plain cast throw. Timestamps are
    timestamp_ntz, local business time: a Spark TIMESTAMP is a moment whose date depends on the session's
    time zone. -#}
{% macro spark__try_cast_timestamp(text_expression) -%}
    try_cast({{ text_expression }} as timestamp_ntz)
{%- endmacro %}


{#- The raw column `column` of `relation` as text. A Spark TIMESTAMP is a moment shown in the session's zone,
    so its text gets the offset written out; other engines' timestamptz text carries it already. -#}
{% macro timestamp_text(column, relation) -%}
    {{ return(adapter.dispatch('timestamp_text', 'customer_segmentation')(column, relation)) }}
{%- endmacro %}

{% macro default__timestamp_text(column, relation) -%}
    {{ customer_segmentation.as_text(column) }}
{%- endmacro %}


{#- A TIMESTAMP column is a moment, which a plain cast to string shows in the session's zone without saying
    which: write the offset out. The column types are looked up when the model runs. -#}
{% macro spark__timestamp_text(column, relation) -%}
    {%- set types = {} -%}
    {%- if execute -%}
        {%- for found in adapter.get_columns_in_relation(relation) -%}
            {%- do types.update({found.name | lower: found.dtype | lower}) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if types.get(column | lower) == 'timestamp' -%}
        date_format({{ column }}, 'yyyy-MM-dd HH:mm:ss.SSSSSSXXX')
    {%- else -%}
        {{ customer_segmentation.as_text(column) }}
    {%- endif -%}
{%- endmacro %}
