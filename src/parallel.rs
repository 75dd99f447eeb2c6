//! Independent work spread over every core, with results in input order so
//! that output never depends on scheduling.

use std::sync::atomic::{AtomicUsize, Ordering};

/// `work` applied to every item on all cores; results in the items' order.
/// Each worker takes the next item nobody has taken yet, so that a few
/// costly items (a big file, a slow rule, a mesh-wide client) do not leave
/// a core idle as fixed shares would. A panic in `work` is a bug: it is
/// raised again here rather than losing the item.
pub fn map_in_order<T: Sync, R: Send>(items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    map_in_order_bounded(items, cores, work)
}

/// [`map_in_order`] on at most `workers` threads, for work that mostly
/// waits (on the network) rather than computes.
pub fn map_in_order_bounded<T: Sync, R: Send>(
    items: &[T],
    workers: usize,
    work: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let workers = workers.min(items.len());
    if workers <= 1 {
        return items.iter().map(work).collect();
    }
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        done.push((i, work(item)));
                    }
                    done
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, result)| result).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_input_order_whatever_each_item_costs() {
        let items: Vec<u64> = (0..200).collect();
        let squares = map_in_order(&items, |&n| {
            // Uneven work, so that workers finish out of order.
            if n % 7 == 0 {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            n * n
        });
        assert_eq!(squares, items.iter().map(|n| n * n).collect::<Vec<_>>());
        assert!(map_in_order(&[] as &[u8], |_| 0).is_empty());
    }

    #[test]
    #[should_panic(expected = "item 3")]
    fn a_panic_in_the_work_is_raised_not_lost() {
        let items: Vec<u32> = (0..8).collect();
        map_in_order(&items, |&n| {
            assert!(n != 3, "item 3");
            n
        });
    }

    #[test]
    fn a_bound_caps_the_items_in_flight() {
        use std::sync::atomic::AtomicUsize;
        let (running, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let items: Vec<u32> = (0..24).collect();
        let doubled = map_in_order_bounded(&items, 3, |&n| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(2));
            running.fetch_sub(1, Ordering::SeqCst);
            n * 2
        });
        assert_eq!(doubled, items.iter().map(|n| n * 2).collect::<Vec<_>>());
        assert!(most.load(Ordering::SeqCst) <= 3, "{most:?}");
        assert!(most.load(Ordering::SeqCst) > 1, "{most:?}");
    }
}
