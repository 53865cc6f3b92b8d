{#- Raw tables may arrive typed or as text (a CSV loader lands text), so staging reads every raw column
    through text and parses it with a cast that yields null instead of failing the whole build. -#}

{% macro as_text(column) -%}
    nullif(trim(cast({{ column }} as {{ dbt.type_string() }})), '')
{%- endmacro %}


{% macro money_type() -%}
    {{ return(adapter.dispatch('money_type', 'customer_segmentation')()) }}
{%- endmacro %}

{% macro default__money_type() -%}
    decimal(18, 2)
{%- endmacro %}


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


{#- Text as a decimal with two decimals; null when it does not parse or has more than `precision` digits.
    The default precision is the money type's; staging parses with 38 so that a number too large for an order
    can be told from text that is no number (see order_amount_limit). -#}
{% macro try_cast_money(text_expression, precision=18) -%}
    {{ return(adapter.dispatch('try_cast_money', 'customer_segmentation')(text_expression, precision)) }}
{%- endmacro %}

{% macro default__try_cast_money(text_expression, precision=18) -%}
    {{ dbt.safe_cast(text_expression, 'decimal(' ~ precision ~ ', 2)') }}
{%- endmacro %}

{% macro duckdb__try_cast_money(text_expression, precision=18) -%}
    try_cast({{ text_expression }} as decimal({{ precision }}, 2))
{%- endmacro %}


{#- The largest order amount (and cost) accepted, exclusive: what fits decimal(12, 2), the raw contract type.
    The money type, decimal(18, 2), then holds the total of a million such orders, so no sum of valid orders
    can fail a model with a decimal overflow; a larger amount is a rejected row ('amount out of range'). -#}
{% macro order_amount_limit() -%}
    10000000000
{%- endmacro %}


{#- The earliest date any timestamp may carry. Older dates are typos or placeholders ('0001-01-01'); the
    incremental models also use 1900-01-01 as their 'nothing built yet' sentinel, so nothing older may reach
    them. A date before it is a rejected row (or a nulled attribute) with a reason, never a silent cut. -#}
{% macro earliest_valid_date() -%}
    cast('1900-01-01' as date)
{%- endmacro %}


{% macro to_date(timestamp_expression) -%}
    cast({{ timestamp_expression }} as date)
{%- endmacro %}


{#- Today's date in the business time zone as a literal, fixed for the whole invocation, so every model of one
    build agrees on it. -#}
{% macro build_run_date() -%}
    {%- set zone = modules.pytz.timezone(customer_segmentation.business_timezone()) -%}
    cast('{{ run_started_at.astimezone(zone).strftime("%Y-%m-%d") }}' as date)
{%- endmacro %}


{#- One text column holding every raw value, so a rejected row can be inspected without the raw table. -#}
{% macro raw_values(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce(" ~ customer_segmentation.as_text(column) ~ ", '<null>')") -%}
        {%- if not loop.last %}{% do parts.append("' | '") %}{% endif -%}
    {%- endfor -%}
    {{ dbt.concat(parts) }}
{%- endmacro %}


{#- One clock. Every timestamp is read as a moment and becomes a local timestamp in the business time zone
    (var business_timezone, an IANA name, UTC by default), so its date does not depend on how it was written,
    on the machine's TZ or on the session's time zone:
    - text without an offset ('2024-03-31 23:30:00') is already business time;
    - text with an offset or UTC designator ('2024-03-31T23:30:00-05:00', '...+0530', '...Z', '... UTC') is
      that moment, converted to the business zone;
    - text with a zone name ('2024-03-31 23:30:00 America/New_York') is local time in that zone, converted;
      a zone the engine does not know makes the value unparseable (a rejected row, not a failed build);
    - a timestamptz column (DuckDB, PostgreSQL) or a Spark TIMESTAMP is a moment: its text carries an offset.
    Abbreviations (EST, CET) are ambiguous and not read. -#}
{% macro business_timezone() -%}
    {%- set value = var('business_timezone', 'UTC') -%}
    {#- pytz's zone list where the Jinja context has it (dbt's parser does; the opt-in v2 parser does not, and
        the engine's own zone check at run time still refuses an unknown name there). -#}
    {%- set known_zones = modules.pytz.all_timezones_set if modules.pytz is defined and modules.pytz.all_timezones_set is defined else none -%}
    {%- if value is not string or (known_zones is not none and value not in known_zones)
        or not modules.re.match('^[A-Za-z]+(/[A-Za-z0-9_+-]+)*$', value) -%}
        {{ customer_segmentation.config_error('business_timezone', value, 'an IANA time zone name, such as UTC, Europe/Berlin or America/New_York') }}
    {%- endif -%}
    {{ return(value) }}
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


{#- The raw column `column` of `relation` as text. A Spark TIMESTAMP is a moment shown in the session's zone,
    so its text gets the offset written out; other engines' timestamptz text carries it already. -#}
{% macro timestamp_text(column, relation) -%}
    {{ return(adapter.dispatch('timestamp_text', 'customer_segmentation')(column, relation)) }}
{%- endmacro %}

{% macro default__timestamp_text(column, relation) -%}
    {{ customer_segmentation.as_text(column) }}
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


{% macro regex_matches(text_expression, pattern) -%}
    {{ return(adapter.dispatch('regex_matches', 'customer_segmentation')(text_expression, pattern)) }}
{%- endmacro %}

{% macro default__regex_matches(text_expression, pattern) -%}
    regexp_matches({{ text_expression }}, '{{ pattern }}')
{%- endmacro %}


{#- Capture group `group` of the first match of `pattern`; null without a match. -#}
{% macro regex_group(text_expression, pattern, group) -%}
    {{ return(adapter.dispatch('regex_group', 'customer_segmentation')(text_expression, pattern, group)) }}
{%- endmacro %}

{% macro default__regex_group(text_expression, pattern, group) -%}
    nullif(regexp_extract({{ text_expression }}, '{{ pattern }}', {{ group }}), '')
{%- endmacro %}


{#- A timestamp plus a whole number of minutes. -#}
{% macro shift_minutes(timestamp_expression, minutes) -%}
    {{ return(adapter.dispatch('shift_minutes', 'customer_segmentation')(timestamp_expression, minutes)) }}
{%- endmacro %}

{% macro default__shift_minutes(timestamp_expression, minutes) -%}
    ({{ timestamp_expression }} + ({{ minutes }}) * interval '1 minute')
{%- endmacro %}


{#- The local timestamp `timestamp_expression` in zone `source`, as local time in zone `target` (both SQL
    expressions naming IANA zones); independent of the session's time zone. -#}
{% macro convert_zone(source, target, timestamp_expression) -%}
    {{ return(adapter.dispatch('convert_zone', 'customer_segmentation')(source, target, timestamp_expression)) }}
{%- endmacro %}

{% macro default__convert_zone(source, target, timestamp_expression) -%}
    timezone({{ target }}, timezone({{ source }}, {{ timestamp_expression }}))
{%- endmacro %}


{#- The zone name is one the engine can convert with (a name it does not know would fail the statement). -#}
{% macro is_known_zone(zone) -%}
    {{ return(adapter.dispatch('is_known_zone', 'customer_segmentation')(zone)) }}
{%- endmacro %}

{% macro default__is_known_zone(zone) -%}
    {{ zone }} in (select name from pg_timezone_names())
{%- endmacro %}


{#- The version column of raw orders (var orders_version_column), or none: with one, the newest version of
    an order_id wins over conflicting copies. -#}
{% macro orders_version_column() -%}
    {%- set value = var('orders_version_column', none) -%}
    {%- if value is none or value == '' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if value is not string or not modules.re.match('^[A-Za-z_][A-Za-z0-9_]*$', value) -%}
        {{ customer_segmentation.config_error('orders_version_column', value, 'a column name of the raw orders table, or null') }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}
