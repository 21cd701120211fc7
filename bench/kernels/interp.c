// A little stack-machine interpreter: a switch over ~20 opcodes in a loop,
// running a bytecode program (assembled at startup) that sums Collatz chain
// lengths and keeps a running hash. Argument: n, the program's upper bound
// (default 50000).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "kernel.h"

enum {
  OP_HALT,
  OP_PUSH,
  OP_LOAD,
  OP_STORE,
  OP_INC,
  OP_DUP,
  OP_POP,
  OP_ADD,
  OP_SUB,
  OP_MUL,
  OP_AND,
  OP_XOR,
  OP_SHR,
  OP_SHL,
  OP_EQ,
  OP_LT,
  OP_GT,
  OP_JMP,
  OP_JZ,
  OP_JNZ,
};

static int32_t code[512];
static int ncode;
static int label_at[32];
static int fixups[64][2], nfixups;

static void op(int o) { code[ncode++] = o; }
static void op_arg(int o, int32_t arg) {
  code[ncode++] = o;
  code[ncode++] = arg;
}
static void jump(int o, int label) {
  code[ncode++] = o;
  fixups[nfixups][0] = ncode;
  fixups[nfixups][1] = label;
  nfixups++;
  code[ncode++] = -1;
}
static void here(int label) { label_at[label] = ncode; }
static void link_labels(void) {
  for (int i = 0; i < nfixups; i++) code[fixups[i][0]] = label_at[fixups[i][1]];
}

// Registers: r0 i, r1 x, r2 steps, r3 total, r4 n, r5 longest, r6 argmax, r7 hash.
enum { L_OUTER, L_INNER, L_EVEN, L_COUNT, L_END_INNER, L_NEXT, L_DONE };

static void assemble(void) {
  op_arg(OP_PUSH, 1);
  op_arg(OP_STORE, 0);
  here(L_OUTER);
  op_arg(OP_LOAD, 0);
  op_arg(OP_LOAD, 4);
  op(OP_GT);
  jump(OP_JNZ, L_DONE);
  op_arg(OP_LOAD, 0);
  op_arg(OP_STORE, 1);
  op_arg(OP_PUSH, 0);
  op_arg(OP_STORE, 2);
  here(L_INNER);
  op_arg(OP_LOAD, 1);
  op_arg(OP_PUSH, 1);
  op(OP_EQ);
  jump(OP_JNZ, L_END_INNER);
  op_arg(OP_LOAD, 1);
  op_arg(OP_PUSH, 1);
  op(OP_AND);
  jump(OP_JZ, L_EVEN);
  op_arg(OP_LOAD, 1);
  op(OP_DUP);
  op_arg(OP_PUSH, 1);
  op(OP_SHL);
  op(OP_ADD);  // 3x
  op_arg(OP_PUSH, 1);
  op(OP_ADD);
  op_arg(OP_STORE, 1);  // + 1
  jump(OP_JMP, L_COUNT);
  here(L_EVEN);
  op_arg(OP_LOAD, 1);
  op_arg(OP_PUSH, 1);
  op(OP_SHR);
  op_arg(OP_STORE, 1);
  here(L_COUNT);
  op_arg(OP_INC, 2);
  jump(OP_JMP, L_INNER);
  here(L_END_INNER);
  op_arg(OP_LOAD, 3);
  op_arg(OP_LOAD, 2);
  op(OP_ADD);
  op_arg(OP_STORE, 3);
  op_arg(OP_LOAD, 7);
  op_arg(OP_PUSH, 31);
  op(OP_MUL);
  op_arg(OP_LOAD, 2);
  op(OP_XOR);
  op_arg(OP_PUSH, 0xfffffff);
  op(OP_AND);
  op_arg(OP_STORE, 7);
  op_arg(OP_LOAD, 5);
  op_arg(OP_LOAD, 2);
  op(OP_LT);
  jump(OP_JZ, L_NEXT);
  op_arg(OP_LOAD, 2);
  op_arg(OP_STORE, 5);
  op_arg(OP_LOAD, 0);
  op_arg(OP_STORE, 6);
  here(L_NEXT);
  op_arg(OP_INC, 0);
  jump(OP_JMP, L_OUTER);
  here(L_DONE);
  op_arg(OP_PUSH, 1);
  op(OP_POP);
  op(OP_HALT);
  link_labels();
}

static uint64_t run(const int32_t *pc0, uint64_t *reg, uint64_t *executed) {
  uint64_t stack[64];
  int sp = 0;
  const int32_t *pc = pc0;
  uint64_t count = 0, a, b;
  for (;;) {
    count++;
    switch (*pc++) {
      case OP_HALT: *executed = count; return sp;
      case OP_PUSH: stack[sp++] = (uint64_t)(int64_t)*pc++; break;
      case OP_LOAD: stack[sp++] = reg[*pc++]; break;
      case OP_STORE: reg[*pc++] = stack[--sp]; break;
      case OP_INC: reg[*pc++]++; break;
      case OP_DUP:
        stack[sp] = stack[sp - 1];
        sp++;
        break;
      case OP_POP: sp--; break;
      case OP_ADD:
        b = stack[--sp];
        a = stack[--sp];
        stack[sp++] = a + b;
        break;
      case OP_SUB:
        b = stack[--sp];
        a = stack[--sp];
        stack[sp++] = a - b;
        break;
      case OP_MUL:
        b = stack[--sp];
        a = stack[--sp];
        stack[sp++] = a * b;
        break;
      case OP_AND:
        b = stack[--sp];
        a = stack[--sp];
        stack[sp++] = a & b;
        break;
      case OP_XOR:
        b = stack[--sp];
        a = stack[--sp];
        stack[sp++] = a ^ b;
        break;
      case OP_SHR:
        b = stack[--sp];
        a = stack[--sp];
        stack[sp++] = a >> (b & 63);
        break;
      case OP_SHL:
        b = stack[--sp];
        a = stack[--sp];
        stack[sp++] = a << (b & 63);
        break;
      case OP_EQ:
        b = stack[--sp];
        a = stack[--sp];
        stack[sp++] = a == b;
        break;
      case OP_LT:
        b = stack[--sp];
        a = stack[--sp];
        stack[sp++] = a < b;
        break;
      case OP_GT:
        b = stack[--sp];
        a = stack[--sp];
        stack[sp++] = a > b;
        break;
      case OP_JMP: pc = pc0 + *pc; break;
      case OP_JZ: pc = stack[--sp] == 0 ? pc0 + *pc : pc + 1; break;
      case OP_JNZ: pc = stack[--sp] != 0 ? pc0 + *pc : pc + 1; break;
      default: *executed = count; return 1000 + (uint64_t)pc[-1];
    }
  }
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 50000;
  assemble();
  uint64_t reg[8] = {0};
  reg[4] = (uint64_t)n;
  uint64_t executed = 0;
  uint64_t status = run(code, reg, &executed);
  printf("interp n=%ld status=%llu ops=%llu total=%llu longest=%llu at=%llu hash=%07llx\n", n,
         (unsigned long long)status, (unsigned long long)executed, (unsigned long long)reg[3],
         (unsigned long long)reg[5], (unsigned long long)reg[6], (unsigned long long)reg[7]);
  return 0;
}
