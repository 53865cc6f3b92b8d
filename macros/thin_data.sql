{#- Guard for thin data: a snapshot with few customers, or where ties leave a dimension with few distinct
    scores (many one-order customers all share frequency 1), gives segments that mean little. -#}

{% macro rfm_min_customers_per_snapshot() -%}
    {%- set value = var('rfm_min_customers_per_snapshot') -%}
    {%- if not customer_segmentation.is_whole_number(value) or value < 1 -%}
        {{ customer_segmentation.config_error('rfm_min_customers_per_snapshot', value, 'a whole number >= 1') }}
    {%- endif -%}
    {{ return(value | int) }}
{%- endmacro %}


{#- Capped at the bucket count: a dimension cannot have more distinct scores than buckets. -#}
{% macro rfm_min_distinct_scores(buckets) -%}
    {%- set value = var('rfm_min_distinct_scores') -%}
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


{#- Collapse guard: the largest share of a dimension's scored customers one score may hold. -#}
{% macro rfm_max_score_share() -%}
    {%- set value = var('rfm_max_score_share') -%}
    {%- if value is not number or value is sameas true or value is sameas false or value <= 0 or value > 1 -%}
        {{ customer_segmentation.config_error('rfm_max_score_share', value, 'a share above 0 and at most 1') }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{#- Post-hook of rfm_snapshot_quality: names the collapsed snapshots and dimensions in the build's log. -#}
{% macro warn_collapsed_snapshots(relation, shown=5) -%}
    {%- if execute -%}
        {%- set collapsed = run_query(
            "select snapshot_date, is_recency_collapsed, is_frequency_collapsed, is_monetary_collapsed"
            ~ " from " ~ relation ~ " where is_collapsed order by snapshot_date"
        ) -%}
        {%- if collapsed.rows | length > 0 -%}
            {%- set details = [] -%}
            {%- for row in collapsed.rows[:shown] -%}
                {%- set dimensions = [] -%}
                {%- for dimension, flag in [('recency', row[1]), ('frequency', row[2]), ('monetary', row[3])] if flag -%}
                    {%- do dimensions.append(dimension) -%}
                {%- endfor -%}
                {%- do details.append(row[0] ~ ' (' ~ dimensions | join(', ') ~ ')') -%}
            {%- endfor -%}
            {%- set more = (' and ' ~ (collapsed.rows | length - shown) ~ ' more') if collapsed.rows | length > shown else '' -%}
            {%- do exceptions.warn(
                'rfm_snapshot_quality: ' ~ collapsed.rows | length ~ ' collapsed snapshot(s), one score holds more than '
                ~ customer_segmentation.rfm_max_score_share() ~ ' of the scored customers or a middle score is empty: '
                ~ details | join('; ') ~ more
                ~ '. Remedies: ' ~ ('rfm_score_population: active (rank only customers with an order in the window), ' if customer_segmentation.rfm_score_population() == 'all' else '')
                ~ 'rfm_score_method: thresholds (fixed breaks, seed rfm_score_breaks), or a scheme with fewer buckets'
                ~ ' (rfm_segment_scheme: rfm_27). Ties in frequency (most customers with one order) collapse it under any method.'
            ) -%}
        {%- endif -%}
    {%- endif -%}
    select 1
{%- endmacro %}
