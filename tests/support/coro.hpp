#pragma once
// Runs a coroutine to completion on a fresh io_context, failing the test if it has not finished in time.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <exception>
#include <optional>

namespace cowin::test {

template <class T, class Make>
T run_coroutine(Make make, std::chrono::seconds limit = std::chrono::seconds(30)) {
    boost::asio::io_context ioc;
    std::optional<T> result;
    std::exception_ptr error;
    boost::asio::co_spawn(ioc, make(ioc.get_executor()), [&](std::exception_ptr e, T value) {
        error = e;
        if (!e) result = std::move(value);
        ioc.stop();  // connections may keep waits open (a Redis socket): done is done
    });
    ioc.run_for(limit);
    if (error) std::rethrow_exception(error);
    if (!result) ADD_FAILURE() << "coroutine did not finish in " << limit.count() << " s";
    return result ? std::move(*result) : T{};
}

}  // namespace cowin::test
