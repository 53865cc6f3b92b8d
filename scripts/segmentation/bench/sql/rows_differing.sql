-- Rows in either relation without an identical row in the other (a multiset difference both ways).
select
    (select count(*) from ($left except all $right) as only_left)
    + (select count(*) from ($right except all $left) as only_right) as rows_differing
