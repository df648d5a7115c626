// A real Redis Cluster for tests: N masters (no replicas) on loopback, each
// a redis-server of the test's own (redis_server.h) in a temporary folder,
// joined by `redis-cli --cluster create`. Started with
// cluster-require-full-coverage no, so that when a master is killed the
// others keep serving their slots. Not thread-safe.
//
//   toolorch::test::RedisTestCluster cluster;
//   if (!cluster.start(3, &err)) fail_msg("%s", err.c_str());
//   ... cluster.url() is "redis+cluster://127.0.0.1:<p1>,127.0.0.1:<p2>,..." ...
//   int i = cluster.owner_of_slot(slot);  cluster.node(i).kill();
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "redis_server.h"

namespace toolorch::test {

class RedisTestCluster {
 public:
  RedisTestCluster() = default;
  ~RedisTestCluster();
  RedisTestCluster(const RedisTestCluster &) = delete;
  RedisTestCluster &operator=(const RedisTestCluster &) = delete;

  // Starts `masters` servers, creates the cluster and waits until every
  // node says cluster_state:ok and knows every node (up to 30 s).
  bool start(int masters, std::string *err);
  std::string url() const;
  int size() const { return static_cast<int>(nodes_.size()); }
  RedisServer &node(int i) { return *nodes_[static_cast<size_t>(i)]; }
  // The index of the node that owns slot, asked of a running node; -1 if unknown.
  int owner_of_slot(int slot) const;

 private:
  bool wait_ok(std::string *err) const;
  std::string dir_;
  std::vector<std::unique_ptr<RedisServer>> nodes_;
};

}  // namespace toolorch::test
