#include "stack/cli/command.hpp"

namespace halab::cli {

// One line per subcommand; each is defined in its own cmd_*.cpp.
int run_sim(std::span<char*> args);
int run_simulate(std::span<char*> args);
int run_keygen(std::span<char*> args);
int run_crm(std::span<char*> args);
int run_ra(std::span<char*> args);
int run_campaign(std::span<char*> args);
int run_replay(std::span<char*> args);
int run_run(std::span<char*> args);
int run_report(std::span<char*> args);
int run_cfgtool(std::span<char*> args);
int run_quorumtool(std::span<char*> args);
int run_cmapctl(std::span<char*> args);
int run_cpgtool(std::span<char*> args);
int run_cibadmin(std::span<char*> args);
int run_mon(std::span<char*> args);

std::span<const Command> commands() {
  static const Command table[] = {
      {"sim", "run a simnet scenario and print its trace hash", run_sim},
      {"simulate", "run the scheduler on a CIB, as crm_simulate does", run_simulate},
      {"keygen", "write the cluster's authkey (as corosync-keygen)", run_keygen},
      {"crm", "crmsh's shell: configure the CIB (CIB_file=PATH works on a file)", run_crm},
      {"campaign", "run a scenario over many seeds (lab); 'campaign merge' joins shards", run_campaign},
      {"run", "run one scenario with its audits and a live progress line (lab)", run_run},
      {"replay", "rerun a lab replay file and check its trace hash", run_replay},
      {"report", "write an availability report (HTML, JSON, CSV) from lab results", run_report},
      {"mon", "the cluster's status, as crm_mon (CIB_file=PATH shows a file)", run_mon},
      {"ra", "resource agents: classes, list, info/meta (as crm ra)", run_ra},
      {"cfgtool", "halabd's links, addresses, reload, shutdown (as corosync-cfgtool)", run_cfgtool},
      {"quorumtool", "quorum status and node list from halabd (as corosync-quorumtool)", run_quorumtool},
      {"cmapctl", "halabd's runtime key/value store (as corosync-cmapctl)", run_cmapctl},
      {"cpgtool", "halabd's CPG groups and their members (as corosync-cpgtool)", run_cpgtool},
      {"cibadmin", "the running cluster's CIB from halabd: -Q (as cibadmin --query)", run_cibadmin},
  };
  return table;
}

}  // namespace halab::cli
