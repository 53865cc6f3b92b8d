{#- percent_rank() from value counts. A metric with few distinct values per snapshot (frequency, recency in
    days) is ranked by counting rows per (snapshot, value) and summing the counts of the values before it,
    which replaces a sort of every row by a group-by and a sort of the few distinct values. The result is
    the same double as percent_rank(): (rank - 1) / (rows - 1), and 0 for a single row, on every engine. -#}

{#- One row per (partition, value) of `relation`: rows ordered before the value, and rows in the partition.
    `value` must not be null (percent_rank would sort nulls last; no caller ranks nulls). -#}
{% macro value_count_ranks(relation, value, direction, partition_by='snapshot_date') -%}
    select
        {{ partition_by }},
        {{ value }},
        sum(rows_with_value) over (
            partition by {{ partition_by }}
            order by {{ value }} {{ direction }}
            rows between unbounded preceding and current row
        ) - rows_with_value as rows_before,
        sum(rows_with_value) over (partition by {{ partition_by }}) as partition_rows
    from (
        select
            {{ partition_by }},
            {{ value }},
            count(*) as rows_with_value
        from {{ relation }}
        group by
            {{ partition_by }},
            {{ value }}
    ) as value_counts
{%- endmacro %}


{#- The percent_rank score 1..N of `rfm_score`, from value_count_ranks' columns. -#}
{% macro rfm_score_from_counts(rows_before, partition_rows, buckets) -%}
    cast(least(
        {{ buckets }},
        1 + floor(
            case
                when {{ partition_rows }} > 1
                    then cast({{ rows_before }} as {{ customer_segmentation.double_type() }})
                        / cast({{ partition_rows }} - 1 as {{ customer_segmentation.double_type() }})
                else 0
            end * {{ buckets }}
        )
    ) as integer)
{%- endmacro %}
