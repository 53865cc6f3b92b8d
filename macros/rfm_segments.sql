{#- Segment definitions live in the seed `rfm_segment_definitions`: one row per rectangle of score cells
    (recency x frequency x monetary ranges, inclusive) with the segment it maps to and the recommended action.
    The CASE expressions are rendered from the chosen scheme's rows at run time, so editing the seed changes
    the mapping without touching SQL. -#}

{% macro rfm_segment_scheme() -%}
    {%- set value = var('rfm_segment_scheme') -%}
    {%- if value is not string or not modules.re.match('^[A-Za-z0-9_]+$', value) -%}
        {{ customer_segmentation.config_error('rfm_segment_scheme', value, 'the name of a scheme in seed rfm_segment_definitions') }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{% macro rfm_scheme_rows(scheme=none) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set scheme = scheme or customer_segmentation.rfm_segment_scheme() -%}
    {%- set definitions = ref('rfm_segment_definitions') -%}
    {%- if '__dbt__cte__' in (definitions | string) -%}
        {#- Inside a unit test ref() names the fixture CTE, which run_query cannot read; the CASE must be
            rendered from the real definitions, which `dbt build` has seeded into the target schema (Spark
            targets have no database). -#}
        {%- set definitions = api.Relation.create(
            database=(target.database if target.database is defined else none),
            schema=target.schema,
            identifier='rfm_segment_definitions'
        ) -%}
    {%- endif -%}
    {%- set all_schemes = run_query("select distinct scheme from " ~ definitions ~ " order by scheme").columns[0].values() -%}
    {%- if scheme not in all_schemes -%}
        {{ customer_segmentation.config_error('rfm_segment_scheme', scheme, 'one of the schemes in seed rfm_segment_definitions: ' ~ all_schemes | join(', ')) }}
    {%- endif -%}
    {%- set query -%}
        select
            segment,
            recommended_action,
            buckets,
            recency_min,
            recency_max,
            frequency_min,
            frequency_max,
            monetary_min,
            monetary_max
        from {{ definitions }}
        where scheme = '{{ scheme }}'
        order by segment_order, recency_min, frequency_min, monetary_min
    {%- endset -%}
    {{ return(run_query(query).rows) }}
{%- endmacro %}


{#- The number of score buckets: var rfm_buckets when set, otherwise the scheme's own count. A scheme's cells
    only cover its own grid, so a different count is refused rather than silently leaving cells unmapped. -#}
{% macro rfm_buckets() -%}
    {%- set value = var('rfm_buckets') -%}
    {%- if value is not none and (not customer_segmentation.is_whole_number(value) or value < 2 or value > 10) -%}
        {{ customer_segmentation.config_error('rfm_buckets', value, 'a whole number from 2 to 10, or null for the scheme\'s own count') }}
    {%- endif -%}
    {%- if not execute -%}
        {{ return(value or 5) }}
    {%- endif -%}
    {%- set rows = customer_segmentation.rfm_scheme_rows() -%}
    {%- set scheme_buckets = rows[0]['buckets'] | int -%}
    {%- if value is not none and (value | int) != scheme_buckets -%}
        {{ customer_segmentation.config_error('rfm_buckets', value, scheme_buckets ~ ' for scheme ' ~ customer_segmentation.rfm_segment_scheme() ~ ' (its cells cover a ' ~ scheme_buckets ~ '-bucket grid), or null') }}
    {%- endif -%}
    {{ return(scheme_buckets) }}
{%- endmacro %}


{% macro rfm_segment_case(recency_score, frequency_score, monetary_score) -%}
    {%- set rows = customer_segmentation.rfm_scheme_rows() -%}
    {%- if rows | length == 0 -%}
        cast(null as {{ dbt.type_string() }})
    {%- else -%}
    case
        {%- for row in rows %}
        when {{ recency_score }} between {{ row['recency_min'] }} and {{ row['recency_max'] }}
            and {{ frequency_score }} between {{ row['frequency_min'] }} and {{ row['frequency_max'] }}
            and {{ monetary_score }} between {{ row['monetary_min'] }} and {{ row['monetary_max'] }}
            then '{{ row["segment"] | replace("'", "''") }}'
        {%- endfor %}
    end
    {%- endif -%}
{%- endmacro %}


{% macro rfm_segment_action_case(segment) -%}
    {%- set rows = customer_segmentation.rfm_scheme_rows() -%}
    {%- set seen = [] -%}
    {%- if rows | length == 0 -%}
        cast(null as {{ dbt.type_string() }})
    {%- else -%}
    case {{ segment }}
        {%- for row in rows if row['segment'] not in seen %}
        {%- do seen.append(row['segment']) %}
        when '{{ row["segment"] | replace("'", "''") }}' then '{{ row["recommended_action"] | replace("'", "''") }}'
        {%- endfor %}
    end
    {%- endif -%}
{%- endmacro %}


{#- The segment of customers outside the scored population (no completed order in the window), as the
    scheme names it in seed rfm_lapsed_segments; it must be one of the scheme's own segments. -#}
{% macro rfm_lapsed_segment() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set scheme = customer_segmentation.rfm_segment_scheme() -%}
    {%- set lapsed = run_query(
        "select segment from " ~ customer_segmentation.seed_relation('rfm_lapsed_segments')
        ~ " where scheme = '" ~ scheme ~ "'"
    ).columns[0].values() -%}
    {%- set segments = customer_segmentation.rfm_scheme_rows() | map(attribute='segment') | list -%}
    {%- if lapsed | length != 1 or lapsed[0] not in segments -%}
        {{ customer_segmentation.config_error('rfm_segment_scheme', scheme, 'a scheme with exactly one row in seed rfm_lapsed_segments naming one of its segments (found: ' ~ lapsed | join(', ') ~ ')') }}
    {%- endif -%}
    {{ return(lapsed[0]) }}
{%- endmacro %}
