{#- Scores 1..N are computed within one snapshot only. `better_first_order` is the ordering in which a
    better customer sorts later (recency_days desc, frequency asc, monetary asc), so the best get N. -#}

{% macro rfm_score(value, direction, buckets, method, partition_by='snapshot_date', tiebreak='customer_id') -%}
    {%- if method == 'percent_rank' -%}
        {#- percent_rank gives equal values an equal rank, hence an equal score; the cap puts pct = 1 into N. -#}
        cast(least(
            {{ buckets }},
            1 + floor(percent_rank() over (partition by {{ partition_by }} order by {{ value }} {{ direction }}) * {{ buckets }})
        ) as integer)
    {%- elif method == 'ntile' -%}
        cast(ntile({{ buckets }}) over (partition by {{ partition_by }} order by {{ value }} {{ direction }}, {{ tiebreak }}) as integer)
    {%- else -%}
        {{ customer_segmentation.config_error('rfm_score_method', method, 'percent_rank, ntile') }}
    {%- endif -%}
{%- endmacro %}


{#- A 0-100 score from a percentile rank over all rows, for the tier model. -#}
{% macro percentile_score(value, inverted=false) -%}
    {%- if inverted -%}
        (1 - percent_rank() over (order by {{ value }}))
    {%- else -%}
        percent_rank() over (order by {{ value }})
    {%- endif -%}
{%- endmacro %}
