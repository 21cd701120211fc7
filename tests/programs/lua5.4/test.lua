-- A workout for Lua 5.4 in tern's real-program suite (tests/programs).
-- The output must be the same natively and on every Tern tier, so nothing
-- here prints addresses, memory counts, times or pairs() order, prints libm
-- transcendental results only rounded, and seeds math.random explicitly.
-- The wasm build has no setjmp (errors abort, see common/include/setjmp.h),
-- so nothing raises an error and no coroutine yields (a yield from
-- coroutine.yield is a longjmp too); coroutines that run to completion work.

local out = {}
local function emit(...)
  local t = table.pack(...)
  for i = 1, t.n do t[i] = tostring(t[i]) end
  print(table.concat(t, " "))
end

local function sorted_keys(t)
  local ks = {}
  for k in pairs(t) do ks[#ks + 1] = k end
  table.sort(ks, function(a, b)
    if type(a) == type(b) then return a < b end
    return type(a) < type(b)
  end)
  return ks
end

-- 1. Integers, floats, bit operations, conversions ---------------------------
emit("int", math.maxinteger, math.mininteger, math.maxinteger + 1 == math.mininteger)
emit("div", 7 // 2, -7 // 2, 7 % -3, -7 % 3, 7.5 // 2, 2^10, 10 / 4)
emit("bits", 0xF0 | 0x0F, 0xFF & 0x3C, 0xAA ~ 0x55, ~0, 1 << 62, 1 << 63, 1 << 64, -1 >> 60)
emit("conv", math.tointeger(3.0), math.tointeger(3.5), 3 | 0, tostring(1e15), tostring(1e16),
     tostring(-0.0), 0.1 + 0.2, 1 / 3, 100 / 3, 2^53 + 1)
emit("floor", math.floor(-3.5), math.ceil(-3.5), math.floor(2^40 + 0.5), math.fmod(7, 3),
     math.fmod(-7, 3), math.abs(math.mininteger), math.ult(1, -1), math.huge, -math.huge)
emit("sqrt", math.sqrt(2), math.sqrt(1e10), math.sqrt(12345.678))
emit("round", string.format("%.6f %.6f %.6f %.6f", math.sin(1), math.cos(2), math.exp(1), math.log(10)))
emit("str2num", tonumber("0x1p4"), tonumber("  12  "), tonumber("1e3"), tonumber("z", 36),
     tonumber("777", 8), tonumber("10", 2), tonumber("0x7fffffffffffffff"), tonumber("9007199254740993"))

-- 2. string.format ------------------------------------------------------------
local fmts = {
  {"%d|%5d|%-5d|%05d", 42, 42, 42, 42},
  {"%x|%X|%#x|%o", 255, 255, 255, 8},
  {"%.3f|%10.4f|%-10.2f|%+.1f", math.pi, -math.pi, 2.5, 0.05},
  {"%e|%.2E|%g|%g|%g", 12345.6789, 0.000123, 1e20, 1e-5, 123456789},
  {"%g|%g|%.17g|%.3g", 0.1, 100, 0.1, 2/3},
  {"%a|%a", 1.0, 0.5},
  {"%s|%10s|%-10s|%.3s", "lua", "right", "left", "truncate"},
  {"%q", "line1\nline2\t\0end\"quoted\""},
  {"%q|%q|%q", 1/0, -1/0, math.mininteger},
  {"%c%c%c|%%|%5.1s|", 76, 117, 97, "xyz"},
  {"%i|%u", -17, 17},
}
for _, f in ipairs(fmts) do emit("fmt", string.format(table.unpack(f))) end
local acc = {}
for i = 1, 2000 do acc[#acc + 1] = string.format("%.4f", i / 7) end
emit("fmtsum", #table.concat(acc, ","), acc[1], acc[777], acc[2000])

-- 3. Strings and patterns -------------------------------------------------------
local text = [[
It was the best of times, it was the worst of times, it was the age of wisdom,
it was the age of foolishness, it was the epoch of belief, it was the epoch of
incredulity, it was the season of Light, it was the season of Darkness, it was
the spring of hope, it was the winter of despair, we had everything before us,
we had nothing before us, we were all going direct to Heaven, we were all going
direct the other way.]]
local freq = {}
for w in text:lower():gmatch("%a+") do freq[w] = (freq[w] or 0) + 1 end
local words = sorted_keys(freq)
table.sort(words, function(a, b)
  if freq[a] ~= freq[b] then return freq[a] > freq[b] end
  return a < b
end)
for i = 1, 8 do out[#out + 1] = words[i] .. "=" .. freq[words[i]] end
emit("words", #words, table.concat(out, " "))
out = {}
emit("gsub", (text:gsub("(%a+) of (%a+)", "%2-%1")):sub(1, 80))
emit("gsub2", ("hello world"):gsub("o", {o = "0"}), ("abc"):gsub("", "-"),
     ("x = 1, y = 22"):gsub("(%w+) = (%w+)", "%2 = %1"))
emit("find", text:find("age"), text:find("age", 60), text:find("(%a+)ness"), text:find(".", 1, true))
emit("match", ("key=value; other=thing"):match("(%w+)=(%w+);"), ("  trim me  "):match("^%s*(.-)%s*$"))
emit("balanced", ("f(a(b)c)d(e)"):match("%b()"), ("THE (quick) fox"):find("%f[%a]%a+%f[%A]"))
emit("rep", ("ab"):rep(5, ","), ("x"):rep(0), #("long"):rep(10000))
emit("bytes", ("Lua"):byte(1, -1), string.char(72, 105), ("\xff\x00A"):byte(1, 3))
emit("case", ("MiXeD 123"):upper(), ("MiXeD 123"):lower(), ("reverse me"):reverse())
emit("utf8", utf8.char(72, 228, 8364, 128512), utf8.len("häll€"), utf8.codepoint("€", 1))
local cps = {}
for _, c in utf8.codes("aé€😀") do cps[#cps + 1] = c end
emit("codes", table.concat(cps, ","), utf8.offset("aé€😀", 3), utf8.charpattern)
local packed = string.pack("<i4 i8 d s1 z", -2, 1 << 40, 1.5, "pack", "zero")
emit("pack", #packed, string.unpack("<i4 i8 d s1 z", packed))
emit("packsize", string.packsize("<i4 i8 d"), string.pack(">I2", 0x1234):byte(1, 2))

-- 4. Tables and sorting ---------------------------------------------------------
math.randomseed(20240601)
local recs = {}
for i = 1, 3000 do
  recs[i] = {id = i, score = math.random(1, 500), name = "n" .. math.random(1000, 9999)}
end
table.sort(recs, function(a, b)
  if a.score ~= b.score then return a.score > b.score end
  return a.id < b.id
end)
local top = {}
for i = 1, 6 do top[i] = recs[i].id .. ":" .. recs[i].score end
emit("sort", table.concat(top, " "), recs[3000].score)
local nums = {}
for i = 1, 20000 do nums[i] = (i * 7919) % 20011 end
table.sort(nums)
local okSorted = true
for i = 2, #nums do if nums[i - 1] > nums[i] then okSorted = false end end
emit("sorted", okSorted, nums[1], nums[10000], nums[20000])
local strs = {}
for i = 1, 500 do strs[i] = string.format("%05d-%s", (i * 37) % 500, ("z"):rep(i % 7)) end
table.sort(strs, function(a, b) return a > b end)
emit("strsort", strs[1], strs[250], strs[500])
local t = {10, 20, 30}
table.insert(t, 1, 5); table.insert(t, 25); table.remove(t, 2)
emit("tblops", table.concat(t, ","), table.unpack(table.move({1, 2, 3, 4, 5}, 2, 4, 1)))
emit("len", #{1, 2, 3, nil}, select("#", 1, nil, 3), select(2, "a", "b", "c"), select(-1, "x", "y"))
local sparse = {}
for i = 1, 100 do sparse[i * i] = i end
local sum = 0
for k, v in pairs(sparse) do sum = sum + k * v end
emit("pairs", sum, #sorted_keys(sparse))

-- 5. Closures, varargs, metatables, OOP ----------------------------------------
local function counter(step)
  local n = 0
  return function() n = n + step; return n end
end
local c1, c2 = counter(1), counter(10)
c1(); c1(); c2()
emit("closures", c1(), c2())
local function sumall(...)
  local s = 0
  for _, v in ipairs({...}) do s = s + v end
  return s, select("#", ...)
end
emit("varargs", sumall(1, 2, 3, 4.5))

local Vec = {}
Vec.__index = Vec
function Vec.new(x, y) return setmetatable({x = x, y = y}, Vec) end
Vec.__add = function(a, b) return Vec.new(a.x + b.x, a.y + b.y) end
Vec.__mul = function(a, k) return Vec.new(a.x * k, a.y * k) end
Vec.__eq = function(a, b) return a.x == b.x and a.y == b.y end
Vec.__lt = function(a, b) return a:len2() < b:len2() end
Vec.__le = function(a, b) return a:len2() <= b:len2() end
Vec.__tostring = function(v) return string.format("(%g, %g)", v.x, v.y) end
Vec.__concat = function(a, b) return tostring(a) .. tostring(b) end
Vec.__len = function(v) return 2 end
Vec.__call = function(v, k) return v.x * k + v.y end
Vec.__unm = function(v) return Vec.new(-v.x, -v.y) end
Vec.__idiv = function(v, k) return Vec.new(v.x // k, v.y // k) end
function Vec:len2() return self.x * self.x + self.y * self.y end
local a, b = Vec.new(1, 2), Vec.new(3.5, -1)
emit("meta", tostring(a + b), tostring(a * 3), a == Vec.new(1, 2), a < b, a <= b, a .. b, #a, a(10),
     tostring(-a), tostring(Vec.new(7, 9) // 2))

local Animal = {}
Animal.__index = Animal
function Animal.new(name, sound) return setmetatable({name = name, sound = sound}, Animal) end
function Animal:speak() return self.name .. " says " .. self.sound end
local Dog = setmetatable({}, {__index = Animal})
Dog.__index = Dog
function Dog.new(name) local d = Animal.new(name, "woof"); return setmetatable(d, Dog) end
function Dog:fetch() return self.name .. " fetches" end
local d = Dog.new("Rex")
emit("oop", d:speak(), d:fetch(), getmetatable(d) == Dog, rawget(d, "speak") == nil)

local proxyLog = {}
local proxy = setmetatable({}, {
  __index = function(_, k) proxyLog[#proxyLog + 1] = "get " .. k; return k .. "!" end,
  __newindex = function(t, k, v) proxyLog[#proxyLog + 1] = "set " .. k; rawset(t, k, v * 2) end,
})
proxy.a = 21
emit("proxy", proxy.a, proxy.b, table.concat(proxyLog, ","))

-- weak tables and finalizers, with a full collection
local weak = setmetatable({}, {__mode = "k"})
local finalized = {}
do
  for i = 1, 50 do
    local key = {}
    weak[key] = i
    setmetatable(key, {__gc = function() finalized[#finalized + 1] = i end})
  end
end
collectgarbage("collect")
collectgarbage("collect")
local left = 0
for _ in pairs(weak) do left = left + 1 end
table.sort(finalized)
emit("gc", left, #finalized, finalized[1], finalized[50])

-- 6. Coroutines that do not yield, pcall/xpcall without errors, load -----------
local co = coroutine.create(function(x, y) return x + y, "done" end)
emit("coroutine", coroutine.resume(co, 2, 3))
emit("costatus", coroutine.status(co), coroutine.isyieldable())
emit("pcall", pcall(function(a) return a * 2 end, 21))
emit("xpcall", xpcall(function() return "fine" end, function(m) return m end))
local chunk = load("local a, b = ... return a * b + 1")
emit("load", chunk(6, 7))
local env = {x = 5}
emit("loadenv", load("return x * 2", "chunk", "t", env)())
local parts = {"return ", "1", " + ", "2"}
local i = 0
emit("loadfn", load(function() i = i + 1; return parts[i] end)())

-- goto
local gsum = 0
for n = 1, 20 do
  if n % 3 == 0 then goto continue end
  gsum = gsum + n
  ::continue::
end
emit("goto", gsum)

-- 7. Algorithms -------------------------------------------------------------------
-- sieve
local N = 200000
local composite = {}
local primes = 0
local lastPrime
for n = 2, N do
  if not composite[n] then
    primes = primes + 1
    lastPrime = n
    for m = n * n, N, n do composite[m] = true end
  end
end
emit("sieve", primes, lastPrime)

-- n-queens
local function queens(n)
  local count, cols, d1, d2 = 0, {}, {}, {}
  local function place(r)
    if r > n then count = count + 1; return end
    for c = 1, n do
      if not cols[c] and not d1[r + c] and not d2[r - c + n] then
        cols[c], d1[r + c], d2[r - c + n] = true, true, true
        place(r + 1)
        cols[c], d1[r + c], d2[r - c + n] = nil, nil, nil
      end
    end
  end
  place(1)
  return count
end
emit("queens", queens(6), queens(8))

-- mandelbrot in ASCII (floating-point arithmetic only)
local rows = {}
for y = -12, 12 do
  local row = {}
  for x = -39, 20 do
    local cr, ci = x / 20, y / 10
    local zr, zi, k = 0.0, 0.0, 0
    while k < 60 and zr * zr + zi * zi < 4 do
      zr, zi = zr * zr - zi * zi + cr, 2 * zr * zi + ci
      k = k + 1
    end
    row[#row + 1] = (" .:-=+*#%@"):sub(k % 10 + 1, k % 10 + 1)
  end
  rows[#rows + 1] = table.concat(row)
end
print(table.concat(rows, "\n"))

-- matrix multiplication
local function matmul(A, B, n)
  local C = {}
  for i = 1, n do
    local Ci, Ai = {}, A[i]
    for j = 1, n do
      local s = 0
      for k = 1, n do s = s + Ai[k] * B[k][j] end
      Ci[j] = s
    end
    C[i] = Ci
  end
  return C
end
local n = 40
local A, B = {}, {}
for i = 1, n do
  A[i], B[i] = {}, {}
  for j = 1, n do A[i][j] = (i + j) % 7 - 3; B[i][j] = ((i * j) % 5) / 4 end
end
local C = matmul(A, B, n)
local trace = 0
for i = 1, n do trace = trace + C[i][i] end
emit("matmul", trace, C[1][1], C[n][n], C[17][23])

-- a tiny expression parser and evaluator (recursive descent)
local function evaluate(src)
  local pos = 1
  local function skip() pos = src:find("%S", pos) or #src + 1 end
  local expr
  local function atom()
    skip()
    local c = src:sub(pos, pos)
    if c == "(" then
      pos = pos + 1
      local v = expr()
      skip(); pos = pos + 1
      return v
    elseif c == "-" then
      pos = pos + 1
      return -atom()
    end
    local num = src:match("^%d+%.?%d*", pos)
    pos = pos + #num
    return tonumber(num)
  end
  local function power()
    local base = atom()
    skip()
    if src:sub(pos, pos) == "^" then pos = pos + 1; return base ^ power() end
    return base
  end
  local function term()
    local v = power()
    while true do
      skip()
      local op = src:sub(pos, pos)
      if op == "*" then pos = pos + 1; v = v * power()
      elseif op == "/" then pos = pos + 1; v = v / power()
      elseif op == "%" then pos = pos + 1; v = v % power()
      else return v end
    end
  end
  function expr()
    local v = term()
    while true do
      skip()
      local op = src:sub(pos, pos)
      if op == "+" then pos = pos + 1; v = v + term()
      elseif op == "-" then pos = pos + 1; v = v - term()
      else return v end
    end
  end
  return expr()
end
for _, e in ipairs({"1 + 2 * 3", "(1 + 2) * 3", "2 ^ 3 ^ 2", "-(4 - 10) / 4", "17 % 5 * 3.5",
                    "((((1))))+((2))", "100 / 8 / 2", "3.25 * (2 - 0.5) ^ 2"}) do
  emit("expr", e, "=", evaluate(e))
end

-- string building and hashing (a simple FNV-1a over a generated text)
local pieces = {}
for k = 1, 5000 do pieces[k] = string.format("%d:%s;", k, ("abcdefghij"):sub(k % 10 + 1)) end
local big = table.concat(pieces)
local h = 2166136261
for k = 1, #big do
  h = ((h ~ big:byte(k)) * 16777619) & 0xffffffff
end
emit("fnv", #big, h)

-- memoized recursion and big loops
local memo = {}
local function fib(n)
  if n < 2 then return n end
  local m = memo[n]
  if m then return m end
  m = fib(n - 1) + fib(n - 2)
  memo[n] = m
  return m
end
local function slowfib(n) if n < 2 then return n end return slowfib(n - 1) + slowfib(n - 2) end
emit("fib", fib(90), slowfib(24))
local collatzMax, collatzArg = 0, 0
for start = 1, 30000 do
  local x, steps = start, 0
  while x ~= 1 do
    if x % 2 == 0 then x = x // 2 else x = 3 * x + 1 end
    steps = steps + 1
  end
  if steps > collatzMax then collatzMax, collatzArg = steps, start end
end
emit("collatz", collatzArg, collatzMax)
emit("random", math.random(1, 1000000), math.random(1, 1000000), string.format("%.10f", math.random()))
print("done")
