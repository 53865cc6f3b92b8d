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
    {%- set date_part = '[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}' -%}
    {%- set separator = '(?: +|T *)' -%}
    {%- set pattern = '^' ~ date_part ~ '(?:' ~ separator ~ '[0-9]{1,2}:[0-9]{1,2}(?::[0-9]{1,2}(?:[.][0-9]*)?)?)?'
        ~ ' *(?:Z|[Uu][Tt][Cc]|[+-][0-9]{2}(?::?[0-9]{2})?)?$' -%}
    {%- set year = 'cast(substring(' ~ x ~ " from '^([0-9]{4})') as integer)" -%}
    {%- set month = 'cast(substring(' ~ x ~ " from '^[0-9]{4}-([0-9]{1,2})') as integer)" -%}
    {%- set day = 'cast(substring(' ~ x ~ " from '^[0-9]{4}-[0-9]{1,2}-([0-9]{1,2})') as integer)" -%}
    {%- set time_prefix = '^' ~ date_part ~ separator -%}
    {%- set hour = 'coalesce(cast(substring(' ~ x ~ " from '" ~ time_prefix ~ "([0-9]{1,2}):') as integer), 0)" -%}
    {%- set minute = 'coalesce(cast(substring(' ~ x ~ " from '" ~ time_prefix ~ "[0-9]{1,2}:([0-9]{1,2})') as integer), 0)" -%}
    {%- set second = 'coalesce(cast(substring(' ~ x ~ " from '" ~ time_prefix ~ "[0-9]{1,2}:[0-9]{1,2}:([0-9]{1,2})') as integer), 0)" -%}
    case when {{ x }} ~ '{{ pattern }}' then
        case
            when {{ month }} between 1 and 12
                and {{ day }} between 1 and case
                    when {{ month }} in (4, 6, 9, 11) then 30
                    when {{ month }} = 2 then
                        case when ({{ year }} % 4 = 0 and {{ year }} % 100 <> 0) or {{ year }} % 400 = 0 then 29 else 28 end
                    else 31
                end
                and {{ minute }} <= 59
                and {{ second }} <= 59
                -- 24:00:00 is midnight at the end of the day, as on DuckDB; any later time is invalid.
                and ({{ hour }} <= 23 or ({{ hour }} = 24 and {{ minute }} = 0 and {{ second }} = 0
                    and not {{ x }} ~ '[.][0-9]*[1-9]'))
            then cast(regexp_replace({{ x }}, '([.][0-9]{6})[0-9]+', '\1') as timestamp)
        end
    end
{%- endmacro %}


{#- A decimal number (optional sign, digits with single underscores between them as DuckDB allows, an
    optional fraction and exponent), rounded half away from zero to cents like a cast. Null when it does not
    fit the money type, where PostgreSQL would fail with 'numeric field overflow'. -#}
{% macro postgres__try_cast_money(text_expression) -%}
    {%- set x = '(' ~ text_expression ~ ')' -%}
    {%- set digits = '[0-9](?:_?[0-9])*' -%}
    {%- set pattern = '^[+-]?(?:' ~ digits ~ '(?:[.](?:' ~ digits ~ ')?)?|[.]' ~ digits ~ ')(?:[eE][+-]?[0-9]{1,4})?$' -%}
    case when {{ x }} ~ '{{ pattern }}' then
        case when abs(round(cast(replace({{ x }}, '_', '') as numeric), 2)) < 1e16
            then cast(cast(replace({{ x }}, '_', '') as numeric) as {{ customer_segmentation.money_type() }})
        end
    end
{%- endmacro %}
