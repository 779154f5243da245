"""The demo directory and users seeded into every local stack, as plain data. Jinxiu's estates
lie in Zhangzhou (WGS-84, around 24.51 N, 117.65 E), with plausible rather than surveyed
outlines."""
from __future__ import annotations

from typing import Any

DEMO_PASSWORD = "Fanglin-demo-2026"


def point(lat: float, lon: float) -> dict[str, float]:
    """A WGS-84 location, as a phone's GPS reports it."""
    return {"lat": lat, "lon": lon}


def polygon(*corners: tuple[float, float]) -> dict[str, Any]:
    """A GeoJSON Polygon through ``(lon, lat)`` corners, closed."""
    ring = [list(c) for c in (*corners, corners[0])]
    return {"type": "Polygon", "coordinates": [ring]}


STREETS: list[dict[str, Any]] = [
    {"street_id": "longwen-xinqiao", "name": "新桥街道", "staff": ["jiedao"]},
]

COMMUNITIES: list[dict[str, Any]] = [
    {"community_id": "jinxiu", "name": "锦绣社区", "name_en": "Jinxiu Community",
     "street_id": "longwen-xinqiao", "street_name": "新桥街道", "timezone": "Asia/Shanghai",
     "staff": ["chen"]},
    {"community_id": "longxing", "name": "龙兴社区", "name_en": "Longxing Community",
     "street_id": "longwen-xinqiao", "street_name": "新桥街道", "timezone": "Asia/Shanghai"},
]

COMPANIES: list[dict[str, Any]] = [
    {"company_id": "lvyin", "name": "绿茵物业", "phone": "0596-2345678", "staff": ["wuye"]},
    {"company_id": "hengtai", "name": "恒泰物业", "phone": "0596-8765432", "staff": []},
]

ESTATES: list[dict[str, Any]] = [
    {
        "community_id": "jinxiu",
        "estate": {"estate_id": "jinxiu-huayuan", "name": "锦绣花园", "company_id": "lvyin",
                   "location": point(24.5109, 117.6482),
                   "boundary": polygon((117.6470, 24.5100), (117.6494, 24.5098),
                                       (117.6497, 24.5116), (117.6481, 24.5121),
                                       (117.6468, 24.5113))},
        "buildings": [
            {"building_id": "1", "name": "1号楼", "location": point(24.5104, 117.6476)},
            {"building_id": "2", "name": "2号楼", "location": point(24.5110, 117.6488)},
            {"building_id": "3", "name": "3号楼", "location": point(24.5115, 117.6480)},
        ],
        "units": [
            {"unit_id": "1-101", "building": "1", "area_m2": 89.5, "owners": ["lin"]},
            {"unit_id": "1-102", "building": "1", "area_m2": 76.3, "owners": ["liu"]},
            {"unit_id": "1-201", "building": "1", "area_m2": 89.5, "owners": ["zhou", "wu"]},
            {"unit_id": "2-101", "building": "2", "area_m2": 102.0, "owners": ["wang"],
             "residents": ["huang"]},
            {"unit_id": "2-102", "building": "2", "area_m2": 102.0, "owners": ["zheng"]},
            {"unit_id": "3-101", "building": "3", "area_m2": 121.8, "developer_unsold": True},
        ],
    },
    {
        "community_id": "jinxiu",
        "estate": {"estate_id": "jinxiu-mingju", "name": "锦绣名居", "company_id": "lvyin",
                   "location": point(24.5087, 117.6526),
                   "boundary": polygon((117.6512, 24.5078), (117.6540, 24.5079),
                                       (117.6541, 24.5094), (117.6513, 24.5095))},
        "buildings": [
            {"building_id": "1", "name": "1栋", "location": point(24.5083, 117.6520)},
            {"building_id": "2", "name": "2栋", "location": point(24.5090, 117.6533)},
        ],
        "units": [
            {"unit_id": "1-301", "building": "1", "area_m2": 95.0, "owners": ["xu"]},
            {"unit_id": "2-501", "building": "2", "area_m2": 133.6, "owners": ["cai"]},
        ],
    },
    {
        "community_id": "longxing",
        "estate": {"estate_id": "longxing-jiayuan", "name": "龙兴家园", "company_id": "hengtai",
                   "location": point(24.5172, 117.6611),
                   "boundary": polygon((117.6600, 24.5165), (117.6622, 24.5165),
                                       (117.6622, 24.5180), (117.6600, 24.5180))},
        "buildings": [{"building_id": "1", "name": "1号楼", "location": point(24.5173, 117.6609)}],
        "units": [
            {"unit_id": "1-101", "building": "1", "area_m2": 80.0, "owners": ["zhang"]},
        ],
    },
]

GRIDS: list[dict[str, Any]] = [
    {"community_id": "jinxiu", "grid_id": "g1", "name": "第一网格", "workers": ["grid1"],
     "buildings": [{"estate_id": "jinxiu-huayuan", "building_id": "1"}]},
    {"community_id": "jinxiu", "grid_id": "g2", "name": "第二网格", "workers": [],
     "buildings": [{"estate_id": "jinxiu-huayuan", "building_id": "2"},
                   {"estate_id": "jinxiu-huayuan", "building_id": "3"},
                   {"estate_id": "jinxiu-mingju", "building_id": "1"},
                   {"estate_id": "jinxiu-mingju", "building_id": "2"}]},
]

USERS: list[dict[str, Any]] = [
    {"username": "lin", "name": "林小梅", "roles": ["resident", "owner"], "community": "jinxiu",
     "phone": "+8613812345678"},
    {"username": "huang", "name": "黄志强", "roles": ["resident"], "community": "jinxiu"},
    {"username": "wuye", "name": "吴晓峰", "roles": ["property"], "community": "jinxiu",
     "phone": "+8613900001111"},
    {"username": "grid1", "name": "郭明", "roles": ["grid"], "community": "jinxiu"},
    {"username": "chen", "name": "陈丽华", "roles": ["community"], "community": "jinxiu"},
    {"username": "jiedao", "name": "蔡文斌", "roles": ["street"], "community": "jinxiu"},
    {"username": "admin", "name": "平台管理员", "roles": ["admin"], "community": None},
    {"username": "zhang", "name": "张伟", "roles": ["resident", "owner"],
     "community": "longxing"},
]

DEMO: dict[str, Any] = {
    "streets": STREETS,
    "communities": COMMUNITIES,
    "companies": COMPANIES,
    "estates": ESTATES,
    "grids": GRIDS,
    "users": USERS,
}
