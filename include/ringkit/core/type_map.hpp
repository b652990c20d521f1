// A small map from a C++ type to one value of that type: how middleware attaches
// typed data (parsed params, cookies, session...) to a request without strings.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

namespace ringkit {

class type_map {
public:
    /// Stores a T built from args, replacing any earlier T. The reference stays valid
    /// until the T is replaced or the map is cleared.
    template <class T, class... Args>
    T& emplace(Args&&... args) {
        std::shared_ptr<T> value;
        if constexpr (std::is_constructible_v<T, Args&&...>) value = std::make_shared<T>(std::forward<Args>(args)...);
        else  // aggregates: clang 14 lacks parenthesised aggregate initialisation
            value = std::make_shared<T>(T{std::forward<Args>(args)...});
        T& ref = *value;
        for (auto& [key, slot] : slots_)
            if (key == key_of<T>()) {
                slot = std::move(value);
                return ref;
            }
        slots_.emplace_back(key_of<T>(), std::move(value));
        return ref;
    }

    /// The T stored, or nullptr.
    template <class T>
    T* find() const noexcept {
        for (auto& [key, slot] : slots_)
            if (key == key_of<T>()) return static_cast<T*>(slot.get());
        return nullptr;
    }

    /// The T stored; throws std::logic_error naming the type when none was stored,
    /// which almost always means the middleware that provides it is missing.
    template <class T>
    T& get() const {
        if (T* p = find<T>()) return *p;
        throw std::logic_error(std::string("ringkit: request has no ") + typeid(T).name() +
                               " (is the middleware that provides it in the stack?)");
    }

    template <class T>
    bool contains() const noexcept {
        return find<T>() != nullptr;
    }

    /// Drops the T stored, if any.
    template <class T>
    void erase() noexcept {
        std::erase_if(slots_, [](const auto& slot) { return slot.first == key_of<T>(); });
    }

    void clear() noexcept { slots_.clear(); }
    bool empty() const noexcept { return slots_.empty(); }

private:
    using key_t = const void*;
    template <class T>
    static key_t key_of() noexcept {
        static const char key = 0;
        return &key;
    }
    std::vector<std::pair<key_t, std::shared_ptr<void>>> slots_;
};

}  // namespace ringkit
