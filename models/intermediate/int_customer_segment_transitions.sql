{#- Every family's transitions in one table: per family and snapshot, how many customers (and how much of
    the revenue their family reports) moved from each segment at the previous snapshot to each segment at
    this one, how long they had been in the segment they came from, and whether the move is one to watch.
    A customer whose history starts at the snapshot comes from '(new customer)'. Each *_transitions mart
    selects its family from here. -#}

with

segment_runs as (

    select * from {{ ref('int_customer_segment_runs') }}

),

moves as (

    select
        family,
        snapshot_date,
        coalesce(previous_segment, '(new customer)') as from_segment,
        segment as to_segment,
        revenue,
        is_segment_change,
        periods_in_previous_segment,
        days_in_previous_segment,
        is_watched,
        watch_signal,
        watch_action
    from segment_runs

),

final as (

    select
        family,
        snapshot_date,
        from_segment,
        to_segment,
        count(*) as customers,
        cast(sum(revenue) as {{ customer_segmentation.money_type() }}) as revenue,
        is_segment_change as is_movement,
        -- Exact decimal averages, rounded the same way on every engine (avg() of doubles is not).
        {{ customer_segmentation.round_ratio(
            'sum(periods_in_previous_segment)', 'count(periods_in_previous_segment)', 2) }}
            as avg_periods_in_from_segment,
        {{ customer_segmentation.round_ratio(
            'sum(days_in_previous_segment)', 'count(days_in_previous_segment)', 2) }}
            as avg_days_in_from_segment,
        is_watched,
        watch_signal,
        watch_action
    from moves
    group by
        family,
        snapshot_date,
        from_segment,
        to_segment,
        is_segment_change,
        is_watched,
        watch_signal,
        watch_action

)

select * from final
