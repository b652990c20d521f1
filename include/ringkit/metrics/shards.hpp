// Where metric values live: one shard of cells per thread that counts, summed
// when scraped. The cost rule is that counting takes no lock and no
// shared atomic read-modify-write: a cell is written only by the thread that
// owns its shard (a relaxed load and a relaxed store), and the scraper reads
// every shard with relaxed loads and adds them up.
//
// Threads come and go (a server's I/O threads live from start() to stop(), a
// user's threads whenever): a thread takes a shard on its first count (one lock,
// once per thread and store), and gives it back when it ends. A shard given back
// keeps its values, so counters never go down, and the next new thread takes it
// over, so a store holds as many shards as threads ever counted at once.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <utility>
#include <vector>

namespace ringkit::metrics::detail {

/// One thread's cells, in chunks made when first touched, so a store can grow
/// (metrics registered late) without moving cells another thread reads.
class shard {
public:
    static constexpr std::size_t chunk_cells = 512;
    static constexpr std::size_t max_chunks = 1024;
    static constexpr std::size_t max_cells = chunk_cells * max_chunks;

    shard() = default;
    shard(const shard&) = delete;
    shard& operator=(const shard&) = delete;
    ~shard() {
        for (auto& c : chunks_) delete c.load(std::memory_order_relaxed);  // NOLINT(cppcoreguidelines-owning-memory)
    }

    /// Cell `i`, for the owning thread only.
    std::atomic<std::uint64_t>& cell(std::size_t i) {
        auto& slot = chunks_[i / chunk_cells];
        chunk* c = slot.load(std::memory_order_relaxed);
        if (c == nullptr) {
            c = new chunk{};  // NOLINT(cppcoreguidelines-owning-memory): owned by chunks_, freed above
            slot.store(c, std::memory_order_release);
        }
        return c->cells[i % chunk_cells];
    }
    /// Adds `n` to cell `i`: the owner's load and store, no read-modify-write.
    void add(std::size_t i, std::uint64_t n) {
        auto& c = cell(i);
        c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    /// Cell `i` as any thread sees it now (0 if never touched).
    std::uint64_t read(std::size_t i) const {
        const chunk* c = chunks_[i / chunk_cells].load(std::memory_order_acquire);
        return c ? c->cells[i % chunk_cells].load(std::memory_order_relaxed) : 0;
    }

private:
    struct chunk {
        std::array<std::atomic<std::uint64_t>, chunk_cells> cells{};
    };
    std::array<std::atomic<chunk*>, max_chunks> chunks_{};
};

class cell_store;

// The last store this thread counted into, and its shard there: the hot path's
// one comparison. Plain pointers, so reading them costs no TLS guard.
inline thread_local const cell_store* last_store = nullptr;
inline thread_local shard* last_shard = nullptr;

/// Every shard of one registry, and the cells it has handed out.
class cell_store : public std::enable_shared_from_this<cell_store> {
public:
    /// Reserves `n` consecutive cells; returns the first. Throws std::length_error
    /// past shard::max_cells.
    std::size_t allocate(std::size_t n) {
        std::lock_guard lock(mutex_);
        if (n > shard::max_cells - next_) throw std::length_error("ringkit::metrics: too many metric series");
        return std::exchange(next_, next_ + n);
    }

    /// This thread's shard, taken on its first use here.
    shard& local() {
        if (last_store == this) return *last_shard;
        return local_slow();
    }

    /// The shards as they are now. Shards are never destroyed before the store,
    /// so the pointers stay valid; a thread that starts later adds one.
    std::vector<const shard*> shards() const {
        std::lock_guard lock(mutex_);
        std::vector<const shard*> out;
        out.reserve(shards_.size());
        for (auto& s : shards_) out.push_back(s.get());
        return out;
    }

private:
    // What a thread holds: a shard in each store it counted into, given back
    // when the thread ends (the store kept alive until then).
    struct held_shards {
        std::vector<std::pair<std::shared_ptr<cell_store>, shard*>> held;
        held_shards() = default;
        held_shards(const held_shards&) = delete;
        held_shards& operator=(const held_shards&) = delete;
        ~held_shards() {
            last_store = nullptr;
            last_shard = nullptr;
            for (auto& [store, s] : held) store->give_back(s);
        }
    };

    shard& local_slow() {
        static thread_local held_shards mine;
        shard* s = nullptr;
        for (auto& [store, held] : mine.held)
            if (store.get() == this) s = held;
        if (s == nullptr) {
            s = take();
            mine.held.emplace_back(shared_from_this(), s);
        }
        last_store = this;
        last_shard = s;
        return *s;
    }

    shard* take() {
        std::lock_guard lock(mutex_);
        if (!free_.empty()) {
            shard* s = free_.back();
            free_.pop_back();
            return s;
        }
        shards_.push_back(std::make_unique<shard>());
        free_.reserve(shards_.size());  // so give_back() never allocates
        return shards_.back().get();
    }

    void give_back(shard* s) noexcept {
        std::lock_guard lock(mutex_);
        free_.push_back(s);
    }

    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<shard>> shards_;
    std::vector<shard*> free_;
    std::size_t next_ = 0;
};

}  // namespace ringkit::metrics::detail
