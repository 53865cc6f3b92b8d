with

rfm_history as (

    select * from {{ ref('customer_rfm_history') }}

),

segment_runs as (

    select * from {{ ref('int_customer_segment_runs') }}

),

moves as (

    -- Histories run over consecutive periods, so the previous segment is the one at the previous snapshot.
    select
        rfm_history.snapshot_date,
        coalesce(segment_runs.previous_segment, '(new customer)') as from_segment,
        rfm_history.segment as to_segment,
        rfm_history.monetary,
        segment_runs.periods_in_previous_segment,
        case
            when segment_runs.previous_segment is null or segment_runs.previous_segment <> rfm_history.segment then true
            else false
        end as is_movement
    from rfm_history
    inner join segment_runs
        on rfm_history.customer_id = segment_runs.customer_id
        and rfm_history.snapshot_date = segment_runs.snapshot_date

),

final as (

    select
        snapshot_date,
        from_segment,
        to_segment,
        count(*) as customers,
        cast(sum(monetary) as {{ customer_segmentation.money_type() }}) as revenue,
        is_movement,
        -- An exact decimal average, rounded the same way on every engine (avg() of doubles is not).
        {{ customer_segmentation.round_ratio('sum(periods_in_previous_segment)', 'count(periods_in_previous_segment)', 2) }}
            as avg_periods_in_from_segment
    from moves
    group by
        snapshot_date,
        from_segment,
        to_segment,
        is_movement

)

select * from final
