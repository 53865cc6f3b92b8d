{#- One clock. Every timestamp is read as a moment and becomes a local timestamp in the business time zone
    (var business_timezone, an IANA name), so its date does not depend on how it was written,
    on the machine's TZ or on the session's time zone:
    - text without an offset ('2024-03-31 23:30:00') is already business time;
    - text with an offset or UTC designator ('2024-03-31T23:30:00-05:00', '...+0530', '...Z', '... UTC') is
      that moment, converted to the business zone;
    - text with a zone name ('2024-03-31 23:30:00 America/New_York') is local time in that zone, converted;
      a zone the engine does not know makes the value unparseable (a rejected row, not a failed build);
    - a timestamptz column (DuckDB, PostgreSQL) or a Spark TIMESTAMP is a moment: its text carries an offset.
    Abbreviations (EST, CET) are ambiguous and not read. -#}
{% macro business_timezone() -%}
    {%- set value = var('business_timezone') -%}
    {#- pytz's zone list where the Jinja context has it (dbt's parser does; the opt-in v2 parser does not, and
        the engine's own zone check at run time still refuses an unknown name there). -#}
    {%- set known_zones = modules.pytz.all_timezones_set if modules.pytz is defined and modules.pytz.all_timezones_set is defined else none -%}
    {%- if value is not string or (known_zones is not none and value not in known_zones)
        or not modules.re.match('^[A-Za-z]+(/[A-Za-z0-9_+-]+)*$', value) -%}
        {{ customer_segmentation.config_error('business_timezone', value, 'an IANA time zone name, such as UTC, Europe/Berlin or America/New_York') }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{#- Today's date in the business time zone as a literal, fixed for the whole invocation, so every model of one
    build agrees on it. -#}
{% macro build_run_date() -%}
    {%- set zone = modules.pytz.timezone(customer_segmentation.business_timezone()) -%}
    cast('{{ run_started_at.astimezone(zone).strftime("%Y-%m-%d") }}' as date)
{%- endmacro %}


{#- The regular expressions of the accepted spellings (POSIX-, RE2- and Java-compatible, no backslashes). -#}
{% macro timestamp_patterns() -%}
    {%- set date_part = '[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}' -%}
    {%- set time_part = '(?: +|T *)[0-9]{1,2}:[0-9]{1,2}(?::[0-9]{1,2}(?:[.][0-9]*)?)?' -%}
    {%- set offset = 'Z|[Uu][Tt][Cc]|[+-][0-9]{2}(?::?[0-9]{2})?' -%}
    {%- set zone_name = '[A-Za-z]+(?:/[A-Za-z0-9_+-]+)+' -%}
    {{ return({
        'zoned': '^(' ~ date_part ~ '(?:' ~ time_part ~ ')?) *(' ~ offset ~ '|' ~ zone_name ~ ')$',
        'offset': '^(?:' ~ offset ~ ')$',
        'naive': '^' ~ date_part ~ '(?:(?: +|T *)[0-9:.]*)?$',
    }) }}
{%- endmacro %}


{#- The raw column `column` (a name in `relation`) as a timestamp in business time; null when unparseable. -#}
{% macro business_timestamp(column, relation) -%}
    {%- set x = '(' ~ customer_segmentation.timestamp_text(column, relation) ~ ')' -%}
    {%- set pattern = customer_segmentation.timestamp_patterns() -%}
    {%- set business = customer_segmentation.business_timezone() -%}
    {%- set local_text = customer_segmentation.regex_group(x, pattern.zoned, 1) -%}
    {%- set zone = customer_segmentation.regex_group(x, pattern.zoned, 2) -%}
    {%- set local = customer_segmentation.try_cast_timestamp(local_text) -%}
    {%- set utc = customer_segmentation.shift_minutes(local, '-1 * (' ~ customer_segmentation.offset_minutes(zone) ~ ')') -%}
    case
        when {{ customer_segmentation.regex_matches(x, pattern.zoned) }} then
            case
                when {{ customer_segmentation.regex_matches(zone, pattern.offset) }} then
                    {% if business == 'UTC' %}{{ utc }}{% else %}{{ customer_segmentation.convert_zone("'UTC'", "'" ~ business ~ "'", utc) }}{% endif %}
                when {{ customer_segmentation.is_known_zone(zone) }} then
                    {{ customer_segmentation.convert_zone(zone, "'" ~ business ~ "'", local) }}
            end
        when {{ customer_segmentation.regex_matches(x, pattern.naive) }} then
            {{ customer_segmentation.try_cast_timestamp(x) }}
    end
{%- endmacro %}


{#- Minutes east of UTC of an offset text matched by timestamp_patterns().offset (Z and UTC are 0); null for
    an offset outside -23:59..+23:59. -#}
{% macro offset_minutes(zone) -%}
    case
        when upper({{ zone }}) in ('Z', 'UTC') then 0
        when cast(substr({{ zone }}, 2, 2) as integer) <= 23
            and (length({{ zone }}) = 3 or cast(right({{ zone }}, 2) as integer) <= 59)
            then (case when substr({{ zone }}, 1, 1) = '-' then -1 else 1 end)
                * (cast(substr({{ zone }}, 2, 2) as integer) * 60
                    + case when length({{ zone }}) = 3 then 0 else cast(right({{ zone }}, 2) as integer) end)
    end
{%- endmacro %}
