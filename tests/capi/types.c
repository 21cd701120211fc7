/* Type objects and vectors, without any module: value, function, global,
 * table, memory, extern, import and export types; every vector type's
 * new/new_empty/new_uninitialized/copy/delete; names; the inline helpers. */
#include "capi_test.h"

static void test_byte_vectors(void) {
  wasm_byte_vec_t v, c;
  wasm_name_t n;
  wasm_byte_vec_new_empty(&v);
  CHECK_EQ_INT(v.size, 0);
  CHECK(v.data == NULL);
  wasm_byte_vec_delete(&v);

  wasm_byte_vec_new_uninitialized(&v, 5);
  CHECK_EQ_INT(v.size, 5);
  REQUIRE(v.data);
  memcpy(v.data, "abcde", 5);
  wasm_byte_vec_copy(&c, &v);
  CHECK_EQ_INT(c.size, 5);
  CHECK(c.data != v.data);
  CHECK(memcmp(c.data, "abcde", 5) == 0);
  wasm_byte_vec_delete(&v);
  CHECK_EQ_INT(v.size, 0);
  CHECK(v.data == NULL);
  wasm_byte_vec_delete(&c);

  wasm_byte_vec_new(&v, 3, "xyz");
  CHECK(v.size == 3 && memcmp(v.data, "xyz", 3) == 0);
  wasm_byte_vec_delete(&v);

  wasm_name_new_from_string(&n, "name");
  CHECK(name_is(&n, "name"));
  wasm_name_delete(&n);
  wasm_name_new_from_string_nt(&n, "name");
  CHECK_EQ_INT(n.size, 5);
  CHECK(n.data[4] == '\0');
  wasm_name_delete(&n);
  wasm_name_new_empty(&n);
  CHECK_EQ_INT(n.size, 0);
  wasm_name_delete(&n);
  wasm_name_new_uninitialized(&n, 2);
  CHECK_EQ_INT(n.size, 2);
  wasm_name_copy(&v, &n);
  CHECK_EQ_INT(v.size, 2);
  wasm_name_delete(&v);
  wasm_name_delete(&n);
}

static void test_valtypes(void) {
  wasm_valkind_t kinds[6] = {WASM_I32, WASM_I64, WASM_F32, WASM_F64, WASM_EXTERNREF, WASM_FUNCREF};
  wasm_valtype_t* ts[6];
  wasm_valtype_vec_t v, c;
  size_t i;
  for (i = 0; i < 6; ++i) {
    ts[i] = wasm_valtype_new(kinds[i]);
    CHECK_EQ_INT(wasm_valtype_kind(ts[i]), kinds[i]);
    CHECK(wasm_valtype_is_num(ts[i]) == (i < 4));
    CHECK(wasm_valtype_is_ref(ts[i]) == (i >= 4));
    CHECK(wasm_valkind_is_num(kinds[i]) == (i < 4));
    CHECK(wasm_valkind_is_ref(kinds[i]) == (i >= 4));
  }
  CHECK(WASM_ANYREF == WASM_EXTERNREF);
  CHECK_EQ_INT(WASM_EXTERNREF, 128);
  CHECK_EQ_INT(WASM_FUNCREF, 129);
  {
    wasm_valtype_t* t = wasm_valtype_copy(ts[3]);
    CHECK(t != ts[3]);
    CHECK_EQ_INT(wasm_valtype_kind(t), WASM_F64);
    wasm_valtype_delete(t);
  }
  wasm_valtype_vec_new(&v, 6, ts); /* takes the six */
  wasm_valtype_vec_copy(&c, &v);
  CHECK_EQ_INT(c.size, 6);
  for (i = 0; i < 6; ++i) {
    CHECK(c.data[i] != v.data[i]);
    CHECK_EQ_INT(wasm_valtype_kind(c.data[i]), kinds[i]);
  }
  wasm_valtype_vec_delete(&v);
  wasm_valtype_vec_delete(&c);

  /* An uninitialized vector of pointers holds NULLs and can be deleted as is,
   * or filled. */
  wasm_valtype_vec_new_uninitialized(&v, 3);
  CHECK_EQ_INT(v.size, 3);
  CHECK(v.data[0] == NULL && v.data[2] == NULL);
  v.data[1] = wasm_valtype_new_i64();
  wasm_valtype_vec_copy(&c, &v);
  CHECK(c.data[0] == NULL);
  CHECK_EQ_INT(wasm_valtype_kind(c.data[1]), WASM_I64);
  wasm_valtype_vec_delete(&c);
  wasm_valtype_vec_delete(&v);
  wasm_valtype_vec_new_empty(&v);
  CHECK(v.size == 0 && v.data == NULL);
  wasm_valtype_vec_delete(&v);

  {
    wasm_valtype_t* t;
    t = wasm_valtype_new_i32();
    CHECK_EQ_INT(wasm_valtype_kind(t), WASM_I32);
    wasm_valtype_delete(t);
    t = wasm_valtype_new_i64();
    CHECK_EQ_INT(wasm_valtype_kind(t), WASM_I64);
    wasm_valtype_delete(t);
    t = wasm_valtype_new_f32();
    CHECK_EQ_INT(wasm_valtype_kind(t), WASM_F32);
    wasm_valtype_delete(t);
    t = wasm_valtype_new_f64();
    CHECK_EQ_INT(wasm_valtype_kind(t), WASM_F64);
    wasm_valtype_delete(t);
    t = wasm_valtype_new_externref();
    CHECK_EQ_INT(wasm_valtype_kind(t), WASM_EXTERNREF);
    wasm_valtype_delete(t);
    t = wasm_valtype_new_anyref();
    CHECK_EQ_INT(wasm_valtype_kind(t), WASM_EXTERNREF);
    wasm_valtype_delete(t);
    t = wasm_valtype_new_funcref();
    CHECK_EQ_INT(wasm_valtype_kind(t), WASM_FUNCREF);
    wasm_valtype_delete(t);
  }
}

static void check_functype(const wasm_functype_t* f, size_t np, size_t nr, wasm_valkind_t first) {
  CHECK_EQ_INT(wasm_functype_params(f)->size, np);
  CHECK_EQ_INT(wasm_functype_results(f)->size, nr);
  if (np) CHECK_EQ_INT(wasm_valtype_kind(wasm_functype_params(f)->data[0]), first);
  else if (nr) CHECK_EQ_INT(wasm_valtype_kind(wasm_functype_results(f)->data[0]), first);
}

static void test_functypes(void) {
  wasm_functype_t* fs[12];
  wasm_functype_vec_t v, c;
  size_t i;
  fs[0] = wasm_functype_new_0_0();
  fs[1] = wasm_functype_new_1_0(wasm_valtype_new_i32());
  fs[2] = wasm_functype_new_2_0(wasm_valtype_new_i64(), wasm_valtype_new_i32());
  fs[3] = wasm_functype_new_3_0(wasm_valtype_new_f32(), wasm_valtype_new_i32(), wasm_valtype_new_i32());
  fs[4] = wasm_functype_new_0_1(wasm_valtype_new_f64());
  fs[5] = wasm_functype_new_1_1(wasm_valtype_new_funcref(), wasm_valtype_new_i32());
  fs[6] = wasm_functype_new_2_1(wasm_valtype_new_externref(), wasm_valtype_new_i32(), wasm_valtype_new_i32());
  fs[7] = wasm_functype_new_3_1(wasm_valtype_new_i32(), wasm_valtype_new_i32(), wasm_valtype_new_i32(),
                                wasm_valtype_new_i32());
  fs[8] = wasm_functype_new_0_2(wasm_valtype_new_i64(), wasm_valtype_new_i32());
  fs[9] = wasm_functype_new_1_2(wasm_valtype_new_f32(), wasm_valtype_new_i32(), wasm_valtype_new_i32());
  fs[10] = wasm_functype_new_2_2(wasm_valtype_new_f64(), wasm_valtype_new_i32(), wasm_valtype_new_i32(),
                                 wasm_valtype_new_i32());
  fs[11] = wasm_functype_new_3_2(wasm_valtype_new_i64(), wasm_valtype_new_i32(), wasm_valtype_new_i32(),
                                 wasm_valtype_new_i32(), wasm_valtype_new_i32());
  check_functype(fs[0], 0, 0, 0);
  check_functype(fs[1], 1, 0, WASM_I32);
  check_functype(fs[2], 2, 0, WASM_I64);
  check_functype(fs[3], 3, 0, WASM_F32);
  check_functype(fs[4], 0, 1, WASM_F64);
  check_functype(fs[5], 1, 1, WASM_FUNCREF);
  check_functype(fs[6], 2, 1, WASM_EXTERNREF);
  check_functype(fs[7], 3, 1, WASM_I32);
  check_functype(fs[8], 0, 2, WASM_I64);
  check_functype(fs[9], 1, 2, WASM_F32);
  check_functype(fs[10], 2, 2, WASM_F64);
  check_functype(fs[11], 3, 2, WASM_I64);

  /* wasm_functype_new takes the vectors' contents */
  {
    wasm_valtype_t* p[2];
    wasm_valtype_vec_t params, results;
    wasm_functype_t* f;
    p[0] = wasm_valtype_new_i32();
    p[1] = wasm_valtype_new_f64();
    wasm_valtype_vec_new(&params, 2, p);
    wasm_valtype_vec_new_empty(&results);
    f = wasm_functype_new(&params, &results);
    check_functype(f, 2, 0, WASM_I32);
    CHECK_EQ_INT(wasm_valtype_kind(wasm_functype_params(f)->data[1]), WASM_F64);
    wasm_functype_delete(f);
  }

  wasm_functype_vec_new(&v, 12, fs);
  wasm_functype_vec_copy(&c, &v);
  CHECK_EQ_INT(c.size, 12);
  for (i = 0; i < 12; ++i) {
    CHECK(c.data[i] != v.data[i]);
    CHECK_EQ_INT(wasm_functype_params(c.data[i])->size, wasm_functype_params(v.data[i])->size);
    CHECK_EQ_INT(wasm_functype_results(c.data[i])->size, wasm_functype_results(v.data[i])->size);
  }
  {
    wasm_functype_t* one = wasm_functype_copy(v.data[11]);
    check_functype(one, 3, 2, WASM_I64);
    CHECK(wasm_functype_params(one)->data[0] != wasm_functype_params(v.data[11])->data[0]);
    wasm_functype_delete(one);
  }
  wasm_functype_vec_delete(&v);
  wasm_functype_vec_delete(&c);
  wasm_functype_vec_new_uninitialized(&v, 2);
  wasm_functype_vec_delete(&v);
  wasm_functype_vec_new_empty(&v);
  wasm_functype_vec_delete(&v);
}

/* The extern views are the same objects; kinds; mismatches give NULL */
static void check_extern_views(wasm_globaltype_t* g, wasm_tabletype_t* t, wasm_memorytype_t* m, wasm_functype_t* f) {
  wasm_externtype_t* eg = wasm_globaltype_as_externtype(g);
  wasm_externtype_t* et = wasm_tabletype_as_externtype(t);
  wasm_externtype_t* em = wasm_memorytype_as_externtype(m);
  wasm_externtype_t* ef = wasm_functype_as_externtype(f);
  CHECK_EQ_INT(wasm_externtype_kind(ef), WASM_EXTERN_FUNC);
  CHECK_EQ_INT(wasm_externtype_kind(eg), WASM_EXTERN_GLOBAL);
  CHECK_EQ_INT(wasm_externtype_kind(et), WASM_EXTERN_TABLE);
  CHECK_EQ_INT(wasm_externtype_kind(em), WASM_EXTERN_MEMORY);
  CHECK(wasm_externtype_as_functype(ef) == f);
  CHECK(wasm_externtype_as_globaltype(eg) == g);
  CHECK(wasm_externtype_as_tabletype(et) == t);
  CHECK(wasm_externtype_as_memorytype(em) == m);
  CHECK(wasm_externtype_as_functype(eg) == NULL);
  CHECK(wasm_externtype_as_globaltype(et) == NULL);
  CHECK(wasm_externtype_as_tabletype(em) == NULL);
  CHECK(wasm_externtype_as_memorytype(ef) == NULL);
  CHECK(wasm_externtype_as_functype_const(wasm_functype_as_externtype_const(f)) == f);
  CHECK(wasm_externtype_as_globaltype_const(wasm_globaltype_as_externtype_const(g)) == g);
  CHECK(wasm_externtype_as_tabletype_const(wasm_tabletype_as_externtype_const(t)) == t);
  CHECK(wasm_externtype_as_memorytype_const(wasm_memorytype_as_externtype_const(m)) == m);
  CHECK(wasm_externtype_as_memorytype_const(ef) == NULL);

  /* Copies through the extern view keep the kind and contents */
  {
    wasm_externtype_t* c = wasm_externtype_copy(et);
    CHECK_EQ_INT(wasm_externtype_kind(c), WASM_EXTERN_TABLE);
    CHECK_EQ_INT(wasm_tabletype_limits(wasm_externtype_as_tabletype(c))->max, 7);
    wasm_externtype_delete(c);
    c = wasm_externtype_copy(ef);
    CHECK_EQ_INT(wasm_valtype_kind(wasm_functype_results(wasm_externtype_as_functype(c))->data[0]), WASM_I64);
    wasm_externtype_delete(c);
  }

  /* Import and export types take their names and type */
  {
    wasm_name_t mod, name, name2;
    wasm_importtype_t *it, *it2;
    wasm_exporttype_t *xt, *xt2;
    wasm_importtype_vec_t iv;
    wasm_exporttype_vec_t xv, xv2;
    wasm_externtype_vec_t ev, ev2;
    wasm_externtype_t* ets[2];

    wasm_name_new_from_string(&mod, "env");
    wasm_name_new_from_string(&name, "limit");
    it = wasm_importtype_new(&mod, &name, wasm_globaltype_as_externtype(wasm_globaltype_copy(g)));
    CHECK(name_is(wasm_importtype_module(it), "env"));
    CHECK(name_is(wasm_importtype_name(it), "limit"));
    CHECK_EQ_INT(wasm_externtype_kind(wasm_importtype_type(it)), WASM_EXTERN_GLOBAL);
    it2 = wasm_importtype_copy(it);
    CHECK(name_is(wasm_importtype_name(it2), "limit"));
    CHECK(wasm_importtype_type(it2) != wasm_importtype_type(it));
    wasm_importtype_vec_new(&iv, 1, &it2);
    wasm_importtype_vec_delete(&iv);
    wasm_importtype_delete(it);

    wasm_name_new_from_string(&name2, "run");
    xt = wasm_exporttype_new(&name2, wasm_functype_as_externtype(wasm_functype_copy(f)));
    CHECK(name_is(wasm_exporttype_name(xt), "run"));
    CHECK_EQ_INT(wasm_externtype_kind(wasm_exporttype_type(xt)), WASM_EXTERN_FUNC);
    xt2 = wasm_exporttype_copy(xt);
    wasm_exporttype_vec_new(&xv, 1, &xt2);
    wasm_exporttype_vec_copy(&xv2, &xv);
    CHECK(name_is(wasm_exporttype_name(xv2.data[0]), "run"));
    wasm_exporttype_vec_delete(&xv);
    wasm_exporttype_vec_delete(&xv2);
    wasm_exporttype_delete(xt);

    ets[0] = wasm_externtype_copy(em);
    ets[1] = wasm_externtype_copy(eg);
    wasm_externtype_vec_new(&ev, 2, ets);
    wasm_externtype_vec_copy(&ev2, &ev);
    CHECK_EQ_INT(wasm_externtype_kind(ev2.data[0]), WASM_EXTERN_MEMORY);
    CHECK_EQ_INT(wasm_externtype_kind(ev2.data[1]), WASM_EXTERN_GLOBAL);
    wasm_externtype_vec_delete(&ev);
    wasm_externtype_vec_delete(&ev2);
  }
}

/* The remaining vectors of type objects */
static void check_type_vectors(const wasm_globaltype_t* g, const wasm_tabletype_t* t, const wasm_memorytype_t* m) {
  wasm_globaltype_vec_t gv, gv2;
  wasm_tabletype_vec_t tv, tv2;
  wasm_memorytype_vec_t mv, mv2;
  wasm_globaltype_t* gs[1];
  wasm_tabletype_t* tts[1];
  wasm_memorytype_t* ms[1];
  gs[0] = wasm_globaltype_copy(g);
  tts[0] = wasm_tabletype_copy(t);
  ms[0] = wasm_memorytype_copy(m);
  wasm_globaltype_vec_new(&gv, 1, gs);
  wasm_tabletype_vec_new(&tv, 1, tts);
  wasm_memorytype_vec_new(&mv, 1, ms);
  wasm_globaltype_vec_copy(&gv2, &gv);
  wasm_tabletype_vec_copy(&tv2, &tv);
  wasm_memorytype_vec_copy(&mv2, &mv);
  CHECK_EQ_INT(wasm_globaltype_mutability(gv2.data[0]), WASM_VAR);
  CHECK_EQ_INT(wasm_tabletype_limits(tv2.data[0])->min, 1);
  CHECK_EQ_INT(wasm_memorytype_limits(mv2.data[0])->min, 3);
  wasm_globaltype_vec_delete(&gv);
  wasm_globaltype_vec_delete(&gv2);
  wasm_tabletype_vec_delete(&tv);
  wasm_tabletype_vec_delete(&tv2);
  wasm_memorytype_vec_delete(&mv);
  wasm_memorytype_vec_delete(&mv2);
  wasm_globaltype_vec_new_empty(&gv);
  wasm_tabletype_vec_new_uninitialized(&tv, 4);
  wasm_memorytype_vec_new_empty(&mv);
  wasm_globaltype_vec_delete(&gv);
  wasm_tabletype_vec_delete(&tv);
  wasm_memorytype_vec_delete(&mv);
}

static void test_other_types(void) {
  wasm_limits_t lim = {1, 7}, open = {3, wasm_limits_max_default};
  wasm_globaltype_t* g = wasm_globaltype_new(wasm_valtype_new_f32(), WASM_VAR);
  wasm_tabletype_t* t = wasm_tabletype_new(wasm_valtype_new_funcref(), &lim);
  wasm_memorytype_t* m = wasm_memorytype_new(&open);
  wasm_functype_t* f = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i64());

  CHECK_EQ_INT(wasm_valtype_kind(wasm_globaltype_content(g)), WASM_F32);
  CHECK_EQ_INT(wasm_globaltype_mutability(g), WASM_VAR);
  CHECK_EQ_INT(wasm_valtype_kind(wasm_tabletype_element(t)), WASM_FUNCREF);
  CHECK_EQ_INT(wasm_tabletype_limits(t)->min, 1);
  CHECK_EQ_INT(wasm_tabletype_limits(t)->max, 7);
  CHECK_EQ_INT(wasm_memorytype_limits(m)->min, 3);
  CHECK(wasm_memorytype_limits(m)->max == wasm_limits_max_default);
  CHECK(wasm_limits_max_default == 0xffffffffu);
  CHECK_EQ_INT(MEMORY_PAGE_SIZE, 65536);

  /* Copies */
  {
    wasm_globaltype_t* g2 = wasm_globaltype_copy(g);
    wasm_tabletype_t* t2 = wasm_tabletype_copy(t);
    wasm_memorytype_t* m2 = wasm_memorytype_copy(m);
    CHECK_EQ_INT(wasm_globaltype_mutability(g2), WASM_VAR);
    CHECK_EQ_INT(wasm_valtype_kind(wasm_globaltype_content(g2)), WASM_F32);
    CHECK_EQ_INT(wasm_tabletype_limits(t2)->max, 7);
    CHECK_EQ_INT(wasm_memorytype_limits(m2)->min, 3);
    wasm_globaltype_delete(g2);
    wasm_tabletype_delete(t2);
    wasm_memorytype_delete(m2);
  }

  check_extern_views(g, t, m, f);
  check_type_vectors(g, t, m);
  {
    wasm_importtype_vec_t iv;
    wasm_exporttype_vec_t xv;
    wasm_externtype_vec_t ev;
    wasm_frame_vec_t fv;
    wasm_extern_vec_t xs;
    wasm_importtype_vec_new_empty(&iv);
    wasm_exporttype_vec_new_uninitialized(&xv, 2);
    wasm_externtype_vec_new_empty(&ev);
    wasm_frame_vec_new_empty(&fv);
    wasm_extern_vec_new_uninitialized(&xs, 3);
    CHECK(xs.size == 3 && xs.data[0] == NULL);
    wasm_importtype_vec_delete(&iv);
    wasm_exporttype_vec_delete(&xv);
    wasm_externtype_vec_delete(&ev);
    wasm_frame_vec_delete(&fv);
    wasm_extern_vec_delete(&xs);
  }

  wasm_globaltype_delete(g);
  wasm_tabletype_delete(t);
  wasm_memorytype_delete(m);
  wasm_functype_delete(f);
}

static void test_values(void) {
  wasm_val_t a = WASM_I32_VAL(-1), b = WASM_I64_VAL(1LL << 40), c = WASM_F32_VAL(1.5f), d = WASM_F64_VAL(-2.25);
  wasm_val_t init = WASM_INIT_VAL, r = WASM_REF_VAL(NULL);
  wasm_val_t copy;
  wasm_val_t arr[4];
  wasm_val_vec_t v, v2;
  int x = 0;
  CHECK(a.kind == WASM_I32 && a.of.i32 == -1);
  CHECK(b.kind == WASM_I64 && b.of.i64 == (1LL << 40));
  CHECK(c.kind == WASM_F32 && c.of.f32 == 1.5f);
  CHECK(d.kind == WASM_F64 && d.of.f64 == -2.25);
  CHECK(init.kind == WASM_EXTERNREF && init.of.ref == NULL);
  CHECK(r.kind == WASM_EXTERNREF && r.of.ref == NULL);
  wasm_val_copy(&copy, &d);
  CHECK(copy.kind == WASM_F64 && copy.of.f64 == -2.25);
  wasm_val_delete(&copy);
  wasm_val_delete(&init); /* a null reference: nothing to release */

  wasm_val_init_ptr(&copy, &x);
  CHECK(wasm_val_ptr(&copy) == &x);
  CHECK(copy.kind == (sizeof(void*) == 8 ? WASM_I64 : WASM_I32));

  arr[0] = a;
  arr[1] = b;
  arr[2] = c;
  arr[3] = d;
  wasm_val_vec_new(&v, 4, arr);
  wasm_val_vec_copy(&v2, &v);
  CHECK_EQ_INT(v2.size, 4);
  CHECK(v2.data[1].of.i64 == (1LL << 40));
  CHECK(v2.data[3].of.f64 == -2.25);
  wasm_val_vec_delete(&v);
  wasm_val_vec_delete(&v2);
  wasm_val_vec_new_uninitialized(&v, 2);
  CHECK_EQ_INT(v.size, 2);
  wasm_val_vec_delete(&v);
  wasm_val_vec_new_empty(&v);
  CHECK(v.size == 0 && v.data == NULL);
  wasm_val_vec_delete(&v);
  {
    wasm_val_vec_t e = WASM_EMPTY_VEC;
    CHECK(e.size == 0 && e.data == NULL);
  }
}

static void test_runtime_basics(void) {
  wasm_config_t* config = wasm_config_new();
  wasm_engine_t* e1;
  wasm_engine_t* e2;
  wasm_store_t *s1, *s2, *s3;
  REQUIRE(config);
  wasm_config_delete(config);
  e1 = wasm_engine_new_with_config(wasm_config_new());
  e2 = wasm_engine_new();
  REQUIRE(e1 && e2);
  s1 = wasm_store_new(e1);
  s2 = wasm_store_new(e1);
  s3 = wasm_store_new(e2);
  REQUIRE(s1 && s2 && s3);

  /* A module from one engine is refused by another engine's store. */
  {
    static const byte_t empty[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
    wasm_byte_vec_t bytes;
    wasm_module_t* m;
    wasm_shared_module_t* shared;
    wasm_trap_t* trap = NULL;
    wasm_instance_t* inst;
    wasm_byte_vec_new(&bytes, sizeof empty, empty);
    m = wasm_module_new(s1, &bytes);
    wasm_byte_vec_delete(&bytes);
    REQUIRE(m);
    inst = wasm_instance_new(s2, m, NULL, NULL); /* same engine: fine */
    REQUIRE(inst);
    wasm_instance_delete(inst);
    CHECK(wasm_instance_new(s3, m, NULL, &trap) == NULL);
    REQUIRE(trap);
    CHECK(strstr(take_trap_message(trap), "engine") != NULL);
    shared = wasm_module_share(m);
    CHECK(wasm_module_obtain(s3, shared) == NULL);
    {
      wasm_module_t* m2 = wasm_module_obtain(s2, shared);
      REQUIRE(m2);
      wasm_module_delete(m2);
    }
    wasm_shared_module_delete(shared);
    wasm_module_delete(m);
  }

  /* An extern from another store cannot be an import. */
  {
    static const byte_t imports_global[] = {
        /* (module (import "a" "b" (global i32))) */
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x02, 0x08, 0x01, 0x01, 0x61, 0x01, 0x62, 0x03, 0x7f, 0x00};
    wasm_byte_vec_t bytes;
    wasm_module_t* m;
    wasm_globaltype_t* gt = wasm_globaltype_new(wasm_valtype_new_i32(), WASM_CONST);
    wasm_val_t zero = WASM_I32_VAL(0);
    wasm_global_t* g = wasm_global_new(s2, gt, &zero);
    wasm_extern_t* arr[1];
    wasm_extern_vec_t imports = WASM_ARRAY_VEC(arr);
    wasm_trap_t* trap = NULL;
    wasm_instance_t* inst;
    REQUIRE(g);
    wasm_byte_vec_new(&bytes, sizeof imports_global, imports_global);
    CHECK(wasm_module_validate(s1, &bytes));
    m = wasm_module_new(s1, &bytes);
    wasm_byte_vec_delete(&bytes);
    REQUIRE(m);
    arr[0] = wasm_global_as_extern(g);
    CHECK(wasm_instance_new(s1, m, &imports, &trap) == NULL);
    REQUIRE(trap);
    CHECK(strstr(take_trap_message(trap), "another store") != NULL);
    inst = wasm_instance_new(s2, m, &imports, &trap);
    CHECK(inst != NULL);
    CHECK(trap == NULL);
    if (inst) wasm_instance_delete(inst);
    wasm_global_delete(g);
    wasm_globaltype_delete(gt);
    wasm_module_delete(m);
  }

  wasm_store_delete(s1);
  wasm_store_delete(s2);
  wasm_store_delete(s3);
  wasm_engine_delete(e1);
  wasm_engine_delete(e2);
}

int main(void) {
  test_byte_vectors();
  test_valtypes();
  test_functypes();
  test_other_types();
  test_values();
  test_runtime_basics();
  return capi_test_finish("types");
}
