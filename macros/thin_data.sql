{#- Guard for thin data: a snapshot with few customers, or where ties leave a dimension with few distinct
    scores (many one-order customers all share frequency 1), gives segments that mean little. -#}

{% macro rfm_min_customers_per_snapshot() -%}
    {%- set value = var('rfm_min_customers_per_snapshot', 20) -%}
    {%- if not customer_segmentation.is_whole_number(value) or value < 1 -%}
        {{ customer_segmentation.config_error('rfm_min_customers_per_snapshot', value, 'a whole number >= 1') }}
    {%- endif -%}
    {{ return(value | int) }}
{%- endmacro %}


{#- Capped at the bucket count: a dimension cannot have more distinct scores than buckets. -#}
{% macro rfm_min_distinct_scores(buckets) -%}
    {%- set value = var('rfm_min_distinct_scores', 3) -%}
    {%- if not customer_segmentation.is_whole_number(value) or value < 1 -%}
        {{ customer_segmentation.config_error('rfm_min_distinct_scores', value, 'a whole number >= 1') }}
    {%- endif -%}
    {{ return([value | int, buckets | int] | min) }}
{%- endmacro %}


{#- Post-hook of rfm_snapshot_quality: names the thin snapshots in the build's log as a warning. -#}
{% macro warn_thin_snapshots(relation, shown=5) -%}
    {%- if execute -%}
        {%- set thin = run_query(
            "select snapshot_date, customers, distinct_recency_scores, distinct_frequency_scores,"
            ~ " distinct_monetary_scores, min_customers, min_distinct_scores from " ~ relation
            ~ " where is_thin order by snapshot_date"
        ) -%}
        {%- if thin.rows | length > 0 -%}
            {%- set details = [] -%}
            {%- for row in thin.rows[:shown] -%}
                {%- set problems = [] -%}
                {%- if row[1] < row[5] -%}
                    {%- do problems.append(row[1] ~ ' customers < ' ~ row[5]) -%}
                {%- endif -%}
                {%- for dimension, scores in [('recency', row[2]), ('frequency', row[3]), ('monetary', row[4])] -%}
                    {%- if scores < row[6] -%}
                        {%- do problems.append(dimension ~ ' has ' ~ scores ~ ' distinct scores < ' ~ row[6]) -%}
                    {%- endif -%}
                {%- endfor -%}
                {%- do details.append(row[0] ~ ' (' ~ problems | join(', ') ~ ')') -%}
            {%- endfor -%}
            {%- set more = (' and ' ~ (thin.rows | length - shown) ~ ' more') if thin.rows | length > shown else '' -%}
            {%- do exceptions.warn(
                'rfm_snapshot_quality: ' ~ thin.rows | length ~ ' thin snapshot(s), segments there mean little: '
                ~ details | join('; ') ~ more
                ~ '. Vars rfm_min_customers_per_snapshot and rfm_min_distinct_scores set the limits.'
            ) -%}
        {%- endif -%}
    {%- endif -%}
    select 1
{%- endmacro %}
