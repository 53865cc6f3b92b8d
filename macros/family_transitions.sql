{#- The body of a transitions model, like segment_transitions for RFM: per snapshot, how many customers (and
    how much trailing-12-month net revenue) moved from each value of `segment_column` at the previous
    snapshot to each value at this one, with the moves of seed segment_transitions_to_watch for `family`
    flagged and their signal and action. A customer whose history starts at the snapshot comes from
    '(new customer)'. -#}
{% macro family_transitions(history_relation, segment_column, family) -%}

with

history as (

    select * from {{ history_relation }}

),

snapshot_activity as (

    select * from {{ ref('int_customer_snapshot_activity') }}

),

transitions_to_watch as (

    select * from {{ ref('segment_transitions_to_watch') }}
    where family = '{{ family }}'

),

with_previous as (

    select
        history.customer_id,
        history.snapshot_date,
        history.{{ segment_column }} as segment,
        -- Histories run over consecutive periods, so the row before is the previous snapshot.
        lag(history.{{ segment_column }}) over (
            partition by history.customer_id
            order by history.snapshot_date
        ) as previous_segment,
        snapshot_activity.revenue_12m
    from history
    inner join snapshot_activity
        on history.customer_id = snapshot_activity.customer_id
        and history.snapshot_date = snapshot_activity.snapshot_date

),

moves as (

    select
        snapshot_date,
        coalesce(previous_segment, '(new customer)') as from_segment,
        segment as to_segment,
        count(*) as customers,
        cast(sum(revenue_12m) as {{ customer_segmentation.money_type() }}) as revenue,
        case when previous_segment is null or previous_segment <> segment then true else false end as is_movement
    from with_previous
    group by
        snapshot_date,
        coalesce(previous_segment, '(new customer)'),
        segment,
        case when previous_segment is null or previous_segment <> segment then true else false end

),

final as (

    select
        moves.snapshot_date,
        moves.from_segment,
        moves.to_segment,
        moves.customers,
        moves.revenue,
        moves.is_movement,
        case when transitions_to_watch.family is null then false else true end as is_watched,
        transitions_to_watch.signal as watch_signal,
        transitions_to_watch.recommended_action as watch_action
    from moves
    left join transitions_to_watch
        on moves.from_segment = transitions_to_watch.from_segment
        and moves.to_segment = transitions_to_watch.to_segment

)

select * from final

{%- endmacro %}
