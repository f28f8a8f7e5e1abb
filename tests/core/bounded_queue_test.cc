#include "core/bounded_queue.h"

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace actcache {
namespace {

TEST(BoundedQueue, DeliversInOrderAcrossThreads) {
    BoundedQueue<int> queue(2);
    std::vector<int> received;
    std::jthread consumer([&] {
        while (std::optional<int> item = queue.Pop()) received.push_back(*item);
    });
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(queue.Push(i));
    queue.Close();
    consumer.join();
    ASSERT_EQ(received.size(), 1000u);
    for (int i = 0; i < 1000; ++i) EXPECT_EQ(received[static_cast<std::size_t>(i)], i);
}

TEST(BoundedQueue, PushWaitsForRoom) {
    BoundedQueue<int> queue(1);
    ASSERT_TRUE(queue.Push(1));
    std::atomic<bool> pushed{false};
    std::jthread producer([&] {
        queue.Push(2);
        pushed = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_FALSE(pushed.load());  // the queue is full: the producer waits (backpressure)
    EXPECT_EQ(queue.Pop(), 1);
    producer.join();
    EXPECT_TRUE(pushed.load());
    EXPECT_EQ(queue.Pop(), 2);
}

TEST(BoundedQueue, CloseDrainsThenEndsAndRefusesPushes) {
    BoundedQueue<int> queue(4);
    queue.Push(7);
    queue.Close();
    EXPECT_FALSE(queue.Push(8));
    EXPECT_EQ(queue.Pop(), 7);
    EXPECT_EQ(queue.Pop(), std::nullopt);
}

TEST(BoundedQueue, CloseWakesABlockedProducer) {
    BoundedQueue<int> queue(1);
    queue.Push(1);
    std::atomic<int> result{-1};
    std::jthread producer([&] { result = queue.Push(2) ? 1 : 0; });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    queue.Close();
    producer.join();
    EXPECT_EQ(result.load(), 0);
}

TEST(BoundedQueue, TryPushAndTryPopNeverWait) {
    BoundedQueue<int> queue(1);
    EXPECT_EQ(queue.TryPop(), std::nullopt);
    EXPECT_TRUE(queue.TryPush(1));
    EXPECT_FALSE(queue.TryPush(2));  // full: dropped
    EXPECT_EQ(queue.TryPop(), 1);
    queue.Close();
    EXPECT_FALSE(queue.TryPush(3));  // closed: dropped
    EXPECT_EQ(queue.TryPop(), std::nullopt);
}

}  // namespace
}  // namespace actcache
